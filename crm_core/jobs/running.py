"""What the background jobs (imports, exports) share: a step marks itself running, so that a
worker that died in the middle of one can be told from one that works.

Celery acknowledges a task when a worker takes it, so a worker killed mid-task (its process
or machine gone) leaves its job "running" and nothing runs it again. The step's database
session, however, ends with the worker, and its transaction is rolled back. A step records
when it started (committed at once) and names its session after the job (`application_name`);
a job that has run for a while with no such session lost its worker."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.db import DatabaseError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from tenants.typing import connection


class Job(Protocol):
    """A job kept as a row with `running_since`: an import, an export, a document package."""

    pk: Any
    running_since: datetime | None
    _meta: ClassVar[Any]


# A running step whose database session has been gone this long lost its worker.
STOPPED_AFTER = timedelta(minutes=2)


def running_tag(job: Job) -> str:
    """The application_name of the database session running the job's step."""
    return f"tenantly-{job._meta.model_name} {connection.schema_name} {job.pk}"[:63]


@contextmanager
def session_named(name: str) -> Iterator[None]:
    """This database session carries `name` (its `application_name`) while the block runs:
    once the session is gone, `sessions_alive` no longer finds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('application_name', %s, false)", [name])
    try:
        yield
    finally:
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('application_name', '', false)")


def sessions_alive(names: list[str]) -> set[str]:
    """Those of `names` that a database session carries now (not as a snapshot taken
    earlier in this transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name = ANY(%s)",
            [names],
        )
        return {name for (name,) in cursor.fetchall()}


@contextmanager
def running(job: Job) -> Iterator[None]:
    """The job's step runs in this block: `running_since` is set (and committed) and the
    session carries the job's tag; both are cleared afterwards."""
    job.running_since = timezone.now()
    job._meta.model._default_manager.filter(pk=job.pk).update(running_since=job.running_since)
    try:
        with session_named(running_tag(job)):
            yield
    finally:
        job.running_since = None
        job._meta.model._default_manager.filter(pk=job.pk).update(running_since=None)


def stopped(jobs: QuerySet, *, now=None) -> list:
    """The jobs of `jobs` (those in a running status) that started a step more than
    STOPPED_AFTER ago and whose database session is gone. A job never started (still in the
    queue) has no `running_since` and is not among them."""
    cutoff = (now or timezone.now()) - STOPPED_AFTER
    candidates = list(jobs.filter(running_since__lt=cutoff))
    if not candidates:
        return []
    alive = sessions_alive([running_tag(job) for job in candidates])
    return [job for job in candidates if running_tag(job) not in alive]


def stopped_failed(jobs: QuerySet, *, problem: str, now=None) -> list:
    """The jobs of `jobs` whose worker died (see `stopped`), failed with `problem` (an English
    message marked with gettext_noop, said in each job's language) and saved; returned for
    the caller to tell whoever asked."""
    dead = stopped(jobs, now=now)
    for job in dead:
        job.status = "failed"
        with translation.override(job.language or settings.LANGUAGE_CODE):
            job.problem = gettext(problem)
        job.running_since = None
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "problem", "running_since", "finished_at"])
    return dead
