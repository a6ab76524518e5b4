from celery import shared_task

from crm_core.analytics.services import reports_send_due


@shared_task
def reports_send_due_job() -> int:
    return reports_send_due()
