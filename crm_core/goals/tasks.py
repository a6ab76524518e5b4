from celery import shared_task

from crm_core.goals.services import goals_refresh_all


@shared_task
def goals_refresh_job() -> int:
    return goals_refresh_all()
