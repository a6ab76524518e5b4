from celery import current_app
from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        # Every process (web, worker, beat) knows every installed app's tasks (their tasks.py),
        # so a service can send a job of a floor above it by the job's registered name.
        current_app.autodiscover_tasks(force=True)
