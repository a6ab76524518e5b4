import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# CeleryApp stamps the current schema on every task sent and restores it in the worker.
app = CeleryApp("tenantly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def data_dir_make(sender, **kwargs) -> None:
    """beat writes its schedule file under TENANTLY_DATA_DIR, which may not exist yet when
    PostgreSQL and Redis are external."""
    from pathlib import Path

    Path(sender.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
