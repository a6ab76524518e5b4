from celery import shared_task

from crm_core.proposals.models import DocumentPackage
from crm_core.proposals.packages import package_run, packages_recover


@shared_task
def package_run_job(package_id: int) -> None:
    package_run(package=DocumentPackage.objects.select_related("created_by").get(pk=package_id))


@shared_task
def packages_recover_job() -> int:
    """Document packages whose worker died mid-way (crm_core.jobs.running)."""

    return packages_recover()
