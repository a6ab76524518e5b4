from celery import shared_task

from crm_core.jobs.exports import export_run, exports_purge, exports_recover
from crm_core.jobs.imports import (
    import_check,
    import_read,
    import_run,
    import_undo,
    imports_purge,
    imports_recover,
)
from crm_core.jobs.models import ExportJob, ImportJob


@shared_task
def import_read_job(job_id: int) -> None:
    import_read(job=ImportJob.objects.select_related("segment").get(pk=job_id))


@shared_task
def import_check_job(job_id: int) -> None:
    import_check(
        job=ImportJob.objects.select_related("segment", "owner", "created_by").get(pk=job_id)
    )


@shared_task
def import_run_job(job_id: int) -> None:
    import_run(
        job=ImportJob.objects.select_related("segment", "owner", "created_by").get(pk=job_id)
    )


@shared_task
def import_undo_job(job_id: int) -> None:
    import_undo(job=ImportJob.objects.get(pk=job_id))


@shared_task
def imports_purge_job() -> int:
    return imports_purge()


@shared_task
def jobs_recover_job() -> int:
    """Imports and exports whose worker died mid-step (crm_core.jobs.running)."""

    return imports_recover() + exports_recover()


@shared_task
def export_run_job(job_id: int) -> None:
    export_run(job=ExportJob.objects.select_related("created_by").get(pk=job_id))


@shared_task
def exports_purge_job() -> int:
    return exports_purge()
