"""Queueing background jobs so that a broker outage never fails a request that already saved.

A job row is committed first (the user's upload, their export request); the Celery message goes
out after commit. If the broker cannot take it (`kombu` gives up within about a second, see
`CELERY_TASK_PUBLISH_RETRY_POLICY`), `on_failure` records that on the job, so the page says
"try again" instead of waiting for a worker that will never hear of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import Task, current_app
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

QUEUE_UNREACHABLE = _("The job queue cannot be reached; try again in a minute.")


def enqueue_after_commit(
    task: Task | str, *args: Any, on_failure: Callable[[], None] | None = None
) -> None:
    """Send `task` (a task, or its registered name, so that a service need not import the tasks
    module that imports it) once the transaction commits."""

    def send() -> None:
        job = current_app.tasks[task] if isinstance(task, str) else task
        try:
            job.delay(*args)
        except OperationalError as error:
            logger.error("could not queue %s%r: %s", job.name, args, error)
            if on_failure is not None:
                on_failure()

    transaction.on_commit(send)
