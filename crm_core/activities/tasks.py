from celery import shared_task

from crm_core.activities.services import birthday_tasks_create, task_reminders_send


@shared_task
def task_reminders_send_job() -> int:
    return task_reminders_send()


@shared_task
def birthday_tasks_job() -> int:
    return birthday_tasks_create()
