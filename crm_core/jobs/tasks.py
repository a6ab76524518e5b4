from celery import shared_task


@shared_task
def import_read_job(job_id: int) -> None:
    from crm_core.jobs.imports import import_read
    from crm_core.jobs.models import ImportJob

    import_read(job=ImportJob.objects.select_related("segment").get(pk=job_id))


@shared_task
def import_check_job(job_id: int) -> None:
    from crm_core.jobs.imports import import_check
    from crm_core.jobs.models import ImportJob

    import_check(
        job=ImportJob.objects.select_related("segment", "owner", "created_by").get(pk=job_id)
    )


@shared_task
def import_run_job(job_id: int) -> None:
    from crm_core.jobs.imports import import_run
    from crm_core.jobs.models import ImportJob

    import_run(
        job=ImportJob.objects.select_related("segment", "owner", "created_by").get(pk=job_id)
    )


@shared_task
def import_undo_job(job_id: int) -> None:
    from crm_core.jobs.imports import import_undo
    from crm_core.jobs.models import ImportJob

    import_undo(job=ImportJob.objects.get(pk=job_id))


@shared_task
def imports_purge_job() -> int:
    from crm_core.jobs.imports import imports_purge

    return imports_purge()


@shared_task
def jobs_recover_job() -> int:
    """Imports and exports whose worker died mid-step (crm_core.jobs.running)."""
    from crm_core.jobs.exports import exports_recover
    from crm_core.jobs.imports import imports_recover

    return imports_recover() + exports_recover()


@shared_task
def export_run_job(job_id: int) -> None:
    from crm_core.jobs.exports import export_run
    from crm_core.jobs.models import ExportJob

    export_run(job=ExportJob.objects.select_related("created_by").get(pk=job_id))


@shared_task
def exports_purge_job() -> int:
    from crm_core.jobs.exports import exports_purge

    return exports_purge()
