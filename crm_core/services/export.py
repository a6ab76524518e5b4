"""Export of a filtered list (what the user sees, nothing more) to CSV or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

XLSX_ROW_LIMIT = 100_000


@dataclass(frozen=True)
class ExportColumn:
    title: object
    value: object  # callable(record) -> str | number


def _join(values) -> str:
    return ", ".join(values or [])


CONTACT_COLUMNS = [
    ExportColumn(_("First name"), lambda c: c.first_name),
    ExportColumn(_("Last name"), lambda c: c.last_name),
    ExportColumn(_("Company"), lambda c: c.company.name if c.company else ""),
    ExportColumn(_("Position"), lambda c: c.position),
    ExportColumn(_("Emails"), lambda c: _join(c.emails)),
    ExportColumn(_("Phones"), lambda c: _join(c.phones)),
    ExportColumn(_("Stage"), lambda c: c.lifecycle_stage.name if c.lifecycle_stage else ""),
    ExportColumn(_("Owner"), lambda c: c.owner.full_name),
    ExportColumn(_("Birthday"), lambda c: c.birthday.isoformat() if c.birthday else ""),
    ExportColumn(_("Created"), lambda c: c.created_at.isoformat(timespec="seconds")),
]
COMPANY_COLUMNS = [
    ExportColumn(_("Name"), lambda c: c.name),
    ExportColumn(_("Legal name"), lambda c: c.legal_name),
    ExportColumn(_("Tax id"), lambda c: c.tax_id),
    ExportColumn(_("Industry"), lambda c: c.industry),
    ExportColumn(_("Website"), lambda c: c.website),
    ExportColumn(_("Emails"), lambda c: _join(c.emails)),
    ExportColumn(_("Phones"), lambda c: _join(c.phones)),
    ExportColumn(_("Stage"), lambda c: c.lifecycle_stage.name if c.lifecycle_stage else ""),
    ExportColumn(_("Owner"), lambda c: c.owner.full_name),
    ExportColumn(_("Created"), lambda c: c.created_at.isoformat(timespec="seconds")),
]


def _segment_columns(queryset: QuerySet, segment) -> list[ExportColumn]:
    if segment is None:
        return []
    return [
        ExportColumn(
            item["label"], lambda r, key=item["key"]: _cell((r.segment_values or {}).get(key, ""))
        )
        for item in segment.parameters
    ]


def _cell(value):
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def export_csv_rows(queryset: QuerySet, columns: list[ExportColumn], segment=None) -> Iterator[str]:
    """CSV lines, streamed (the list may hold a million rows); UTF-8 with BOM for Excel."""
    columns = columns + _segment_columns(queryset, segment)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow([str(column.title) for column in columns])
    yield "\ufeff" + flush()
    for record in queryset.iterator(chunk_size=2000):
        writer.writerow([column.value(record) for column in columns])
        yield flush()


def export_xlsx(queryset: QuerySet, columns: list[ExportColumn], segment=None) -> bytes:
    columns = columns + _segment_columns(queryset, segment)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([str(column.title) for column in columns])
    for record in queryset[:XLSX_ROW_LIMIT].iterator(chunk_size=2000):
        sheet.append([column.value(record) for column in columns])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
