import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# CeleryApp stamps the current schema on every task sent and restores it in the worker.
app = CeleryApp("tenantly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
