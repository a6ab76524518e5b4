from celery import shared_task

from crm_core.commerce.client_value import client_values_rescore


@shared_task
def client_values_rescore_job() -> int:
    return client_values_rescore()
