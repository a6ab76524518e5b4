"""The goals effect: every service that writes a record a goal may count (a deal, an order, an
interaction, a task, a request) calls `figures_soon` itself, and the goals' facts are refreshed
within seconds of the commit, not by a nightly batch.

One refresh is queued at a time per company (a burst of writes costs one refresh, started a
second after the first write); the refresh clears the mark as it starts, so a write made while
it runs queues the next. The task is sent by its registered name: goals is a domain above this
one. The hourly beat run catches what was written without a service.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.core.cache import cache
from django.db import transaction
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from tenants.typing import connection

logger = logging.getLogger(__name__)

GOALS_REFRESH = "crm_core.goals.tasks.goals_refresh_job"
QUEUED_KEY = "goals-refresh-queued"
# how long a burst of writes is gathered before the refresh runs
GATHER_SECONDS = 1


class _Send:
    """Queue the refresh in the company's schema (the commit may come after the caller left
    it: the schema is taken when the write is made)."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.done = False

    def __call__(self) -> None:
        self.done = True
        with schema_context(self.schema):
            try:
                if not cache.add(QUEUED_KEY, 1, timeout=60):
                    return
            except RedisError as error:
                logger.warning("goals refresh mark not set: %s", error)
            try:
                current_app.tasks[GOALS_REFRESH].apply_async(countdown=GATHER_SECONDS)
            except OperationalError as error:
                # no broker: the hourly run refreshes; the write has committed and stands
                logger.warning("goals refresh not queued: %s", error)
                cache.delete(QUEUED_KEY)


def figures_soon() -> None:
    """Refresh the goals' facts after this transaction commits (once per transaction)."""
    schema = connection.schema_name
    if schema == "public":
        return
    if connection.in_atomic_block and any(
        isinstance(item[1], _Send) and not item[1].done for item in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Send(schema), robust=True)


def figures_refresh_started() -> None:
    """The refresh clears the mark as it starts: writes from now on queue the next one."""
    try:
        cache.delete(QUEUED_KEY)
    except RedisError as error:
        logger.warning("goals refresh mark not cleared: %s", error)
