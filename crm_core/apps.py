from celery import current_app
from django.apps import AppConfig

# the domains that keep Celery entry points (crm_core/<domain>/tasks.py)
DOMAINS_WITH_TASKS = (
    "activities",
    "analytics",
    "commerce",
    "goals",
    "jobs",
    "marketing",
    "proposals",
)


class CrmCoreConfig(AppConfig):
    name = "crm_core"
    verbose_name = "CRM"

    def ready(self) -> None:
        current_app.autodiscover_tasks(
            [f"crm_core.{domain}" for domain in DOMAINS_WITH_TASKS], force=True
        )
