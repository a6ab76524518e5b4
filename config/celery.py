import logging
import os
from pathlib import Path

from django.db import connection
from tenant_schemas_celery.app import CeleryApp, get_schema_name_from_task
from tenant_schemas_celery.task import TenantTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
logger = logging.getLogger(__name__)


class CompanyTask(TenantTask):
    """Runs in the schema stamped on the message by whoever queued it. When no company has that
    schema (deleted meanwhile, or a message left in a shared broker by another database),
    tenant-schemas-celery logs the failed switch and would run the task in the public schema:
    it is skipped instead."""

    abstract = True

    def __call__(self, *args, **kwargs):
        schema = get_schema_name_from_task(self, kwargs)
        if schema and schema != connection.schema_name:
            logger.warning("task %s skipped: no company has the schema %r", self.name, schema)
            return None
        return super().__call__(*args, **kwargs)


# CeleryApp stamps the current schema on every task sent and restores it in the worker.
app = CeleryApp("tenantly", task_cls="config.celery:CompanyTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The apps register their tasks when Django is ready (tenants' and crm_core's AppConfig.ready).


@app.on_after_configure.connect
def data_dir_make(sender, **kwargs) -> None:
    """beat writes its schedule file under TENANTLY_DATA_DIR, which may not exist yet when
    PostgreSQL and Redis are external."""

    Path(sender.conf.beat_schedule_filename).parent.mkdir(parents=True, exist_ok=True)
