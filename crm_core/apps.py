from anymail.signals import tracking
from celery import current_app
from django.apps import AppConfig
from django.utils.module_loading import import_string

# the domains that keep Celery entry points (crm_core/<domain>/tasks.py)
DOMAINS_WITH_TASKS = (
    "activities",
    "analytics",
    "channels",
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
        # an email provider's verified events reach us only as anymail's signal; the
        # receiver hands each to the marketing service (crm_core.marketing.feedback)
        # (named by its path: models are not importable before the apps are ready)
        tracking.connect(
            import_string("crm_core.marketing.feedback.tracking_received"),
            dispatch_uid="crm_core.marketing.feedback",
        )
