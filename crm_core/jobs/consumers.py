from __future__ import annotations

from crm_core.common.watching import StoredJobConsumer
from crm_core.jobs.selectors import export_get_for_user, import_get_for_user


class ImportConsumer(StoredJobConsumer):
    """/ws/imports/<pk>/: rows read so far, then "finished", for the import's page."""

    getter = import_get_for_user
    group = "import"


class ExportConsumer(StoredJobConsumer):
    """/ws/exports/<pk>/: rows written so far, then "finished", for the export's page (only
    the user who asked for the export may watch it, as only they may download it)."""

    getter = export_get_for_user
    group = "export"
