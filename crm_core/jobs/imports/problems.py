"""Row errors and duplicates of a dry run: the first few for the screen, all of them in the
problem report (a CSV the user downloads)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from crm_core.common.spreadsheets import SafeCsvWriter
from crm_core.jobs.models import ImportJob

ERRORS_SHOWN = 200


@dataclass
class Problems:
    """Row errors and duplicates: all of them go to the report file, the first few to the
    screen."""

    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    duplicates: list[dict] = field(default_factory=list)
    duplicate_count: int = 0
    report: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self.writer = SafeCsvWriter(self.report)
        self.writer.writerow([_("Row"), _("Column"), _("Problem")])

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_SHOWN:
            self.errors.append({"row": row, "column": column, "message": message})
        self.writer.writerow([row, column, message])

    def duplicate(self, row: int, match: str, record_id: int | None, of_row: int | None) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < ERRORS_SHOWN:
            self.duplicates.append(
                {"row": row, "match": match, "record": record_id, "of_row": of_row}
            )
        if record_id:
            text = _("Matches existing record #%(id)s by %(match)s") % {
                "id": record_id,
                "match": match,
            }
        else:
            text = _("Same %(match)s as row %(row)s") % {"match": match, "row": of_row}
        self.writer.writerow([row, "", text])


def report_path(job: ImportJob) -> str:
    return f"imports/{job.uuid}/problems.csv"


def report_save(job: ImportJob, problems: Problems) -> None:
    path = report_path(job)
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(("\ufeff" + problems.report.getvalue()).encode()))
