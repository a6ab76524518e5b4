"""How far a job is, and what its page and its starter are told: progress while it runs
(from the cache: the rows are inside the job's transaction), the end, a notification."""

from __future__ import annotations

from django.core.cache import cache
from django.urls import reverse

from crm_core.jobs.models import ImportJob
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from tenants.realtime import broadcast_after_commit, broadcast_now, group_name


def progress_key(job: ImportJob) -> str:
    return f"import-progress:{job.uuid}"


def job_group(job: ImportJob) -> str:
    return group_name("import", job.pk)


def progress_push(job: ImportJob, processed: int) -> None:
    """Progress goes out at once: the rows are still inside the job's transaction."""
    broadcast_now(
        [job_group(job)],
        {"type": "job.progress", "done": processed, "total": job.total_rows},
    )


def finished_push(job: ImportJob) -> None:
    """The page that watches the job reloads its result; whoever started it is told."""
    broadcast_after_commit([job_group(job)], {"type": "job.finished", "status": job.status})
    kinds: dict[str, str] = {
        ImportJob.Status.CHECKED: Notification.Kind.IMPORT_CHECKED,
        ImportJob.Status.DONE: Notification.Kind.IMPORT_DONE,
        ImportJob.Status.FAILED: Notification.Kind.IMPORT_FAILED,
    }
    if job.status in kinds:
        notify(
            recipients=[job.created_by],
            kind=kinds[job.status],
            params={
                "file": job.filename,
                "valid": job.valid_rows,
                "errors": job.error_count,
                "created": job.created_count,
                "problem": job.problem,
            },
            url=reverse("import_detail", args=[job.pk]),
        )


def import_progress(job: ImportJob) -> int:
    """Rows processed so far (the job runs in one transaction, so this lives in the cache)."""
    if job.is_running:
        return cache.get(progress_key(job), 0)
    return job.processed_rows
