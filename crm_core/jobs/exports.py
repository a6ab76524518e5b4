"""Export of a filtered list (what the user sees, nothing more) to CSV or XLSX.

A short list downloads at once; a long one becomes an `ExportJob` that a worker writes to the
tenant's media folder, with its progress streamed to the page (`/ws/exports/<id>/`) and a
notification with the download link when the file is ready.
"""

from __future__ import annotations

import io
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook

from crm_core.common.spreadsheets import SafeCsvWriter, xlsx_row
from crm_core.deals.selectors import DEAL_ORDERING, deals_filtered
from crm_core.jobs.models import ExportJob
from crm_core.jobs.running import running, stopped_failed
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.selectors import parties_filtered
from tenants.identity.models import User
from tenants.queue import QUEUE_UNREACHABLE, enqueue_after_commit
from tenants.realtime import broadcast_after_commit, broadcast_now, group_name

logger = logging.getLogger(__name__)

# A download the request writes itself; longer lists become a background job.
XLSX_ROW_LIMIT = 100_000
# What a worksheet holds (1,048,576 rows, one of them the titles).
XLSX_SHEET_ROWS = 1_048_575
# Progress goes to the page at most this often (seconds).
PROGRESS_EVERY = 0.5


@dataclass(frozen=True)
class ExportColumn:
    title: object
    value: Callable[[Any], Any]  # the cell of a record: text, number or date


def _segment_value(key: str) -> Callable[[Any], Any]:
    """The cell of one segment parameter of a record."""
    return lambda record: _cell((record.segment_values or {}).get(key, ""))


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

DEAL_COLUMNS = [
    ExportColumn(_("Title"), lambda d: d.title),
    ExportColumn(_("Pipeline"), lambda d: d.pipeline.name),
    ExportColumn(_("Stage"), lambda d: d.stage.name),
    ExportColumn(_("Amount"), lambda d: d.amount),
    ExportColumn(_("Currency"), lambda d: d.currency),
    ExportColumn(_("Contact"), lambda d: d.contact.full_name if d.contact else ""),
    ExportColumn(_("Company"), lambda d: d.company.name if d.company else ""),
    ExportColumn(
        _("Expected close"), lambda d: d.expected_close.isoformat() if d.expected_close else ""
    ),
    ExportColumn(_("Owner"), lambda d: d.owner.full_name),
    ExportColumn(_("Created"), lambda d: d.created_at.isoformat(timespec="seconds")),
    ExportColumn(
        _("Closed"), lambda d: d.closed_at.isoformat(timespec="seconds") if d.closed_at else ""
    ),
]


def _segment_columns(queryset: QuerySet, segment) -> list[ExportColumn]:
    if segment is None:
        return []
    return [ExportColumn(item["label"], _segment_value(item["key"])) for item in segment.parameters]


def _cell(value):
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value


def _rows(
    queryset: QuerySet,
    columns: list[ExportColumn],
    segment=None,
    *,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list]:
    """The title row, then one row per record; `progress(count)` now and then on the way, and
    with the final count at the end."""
    columns = columns + _segment_columns(queryset, segment)
    yield [str(column.title) for column in columns]
    last, count, reported = time.monotonic(), 0, 0
    for count, record in enumerate(queryset.iterator(chunk_size=2000), 1):
        yield [column.value(record) for column in columns]
        if progress is not None and time.monotonic() - last >= PROGRESS_EVERY:
            progress(count)
            last, reported = time.monotonic(), count
    if progress is not None and count != reported:
        progress(count)  # the last word is the whole count


def export_csv_rows(queryset: QuerySet, columns: list[ExportColumn], segment=None) -> Iterator[str]:
    """CSV lines, streamed (the list may hold a million rows); UTF-8 with BOM for Excel."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    for number, row in enumerate(_rows(queryset, columns, segment)):
        writer.writerow(row)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        yield "\ufeff" + text if number == 0 else text


def export_xlsx(queryset: QuerySet, columns: list[ExportColumn], segment=None) -> bytes:
    output = io.BytesIO()
    _xlsx_write(_rows(queryset[:XLSX_ROW_LIMIT], columns, segment), output)
    return output.getvalue()


def _xlsx_write(rows: Iterator[list], output: IO[bytes]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(xlsx_row(sheet, row))
    workbook.save(output)


def _csv_write(rows: Iterator[list], output: IO[bytes]) -> None:
    text = io.TextIOWrapper(output, encoding="utf-8-sig", newline="", write_through=True)
    SafeCsvWriter(text).writerows(rows)
    text.detach()


COLUMNS: dict[str, list[ExportColumn]] = {
    ExportJob.Kind.CONTACT: CONTACT_COLUMNS,
    ExportJob.Kind.COMPANY: COMPANY_COLUMNS,
    ExportJob.Kind.DEAL: DEAL_COLUMNS,
}


def export_queryset(*, user: User, kind: str, query: str | QueryDict) -> tuple[QuerySet, object]:
    """The records of the list `kind` that `user` sees with the filters in `query`, in the
    list's order, and the segment filtered on (its parameters become columns).

    Raises ValidationError for filters the list would refuse."""
    if isinstance(query, str):
        query = QueryDict(query)
    if kind == ExportJob.Kind.DEAL:
        records, segment, ordering = deals_filtered(user=user, query=query), None, DEAL_ORDERING
    else:
        records, segment, ordering = parties_filtered(user=user, kind=kind, query=query)
    order = query.get("ordering", "")
    if order.removeprefix("-") not in ordering.fields:
        order = ordering.default
    return records.order_by(order, "pk"), segment


def export_filename(kind: str, file_format: str) -> str:
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    plurals: dict[str, str] = {
        ExportJob.Kind.CONTACT: "contacts",
        ExportJob.Kind.COMPANY: "companies",
        ExportJob.Kind.DEAL: "deals",
    }
    plural = plurals[kind]
    return f"{plural}-{stamp}.{file_format}"


def export_start(
    *,
    actor: User,
    kind: str,
    file_format: str,
    query: str,
    language: str = "",
    total: int | None = None,
) -> ExportJob:
    """Queue the export of a list; the file is written by `export_run` in a worker.

    `total`: the rows of `export_queryset(...)`, when the caller has counted them already."""
    if kind not in ExportJob.Kind.values or file_format not in ExportJob.Format.values:
        raise ValidationError(_("Unknown export."))
    if total is None:
        total = export_queryset(user=actor, kind=kind, query=query)[0].count()
    if file_format == ExportJob.Format.XLSX and total > XLSX_SHEET_ROWS:
        raise ValidationError(
            _("A worksheet holds up to %(limit)s rows; export CSV or narrow the filters.")
            % {"limit": f"{XLSX_SHEET_ROWS:,}"}
        )
    job = ExportJob.objects.create(
        uuid=uuid.uuid4(),
        kind=kind,
        file_format=file_format,
        query=query,
        total_rows=total,
        filename=export_filename(kind, file_format),
        language=language,
        created_by=actor,
    )

    enqueue_after_commit(
        "crm_core.jobs.tasks.export_run_job", job.pk, on_failure=lambda: _queue_failed(job)
    )
    return job


def _queue_failed(job: ExportJob) -> None:
    job.status = ExportJob.Status.FAILED
    job.problem = str(QUEUE_UNREACHABLE)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "problem", "finished_at"])
    broadcast_now([_job_group(job)], {"type": "job.finished", "status": job.status})


def _job_group(job: ExportJob) -> str:
    return group_name("export", job.pk)


def export_run(*, job: ExportJob) -> ExportJob:
    """Write the file as the user who asked (their visibility now), reporting progress."""
    if job.status != ExportJob.Status.QUEUED:
        return job  # a redelivered message for a job already handled
    job.status = ExportJob.Status.RUNNING
    job.processed_rows = 0
    job.save(update_fields=["status", "processed_rows"])

    def progress(count: int) -> None:
        job.processed_rows = count
        ExportJob.objects.filter(pk=job.pk).update(processed_rows=count)
        broadcast_now(
            [_job_group(job)], {"type": "job.progress", "done": count, "total": job.total_rows}
        )

    try:
        with translation.override(job.language or settings.LANGUAGE_CODE), running(job):
            queryset, segment = export_queryset(user=job.created_by, kind=job.kind, query=job.query)
            if job.file_format == ExportJob.Format.XLSX:
                queryset = queryset[:XLSX_SHEET_ROWS]
            rows = _rows(queryset, COLUMNS[job.kind], segment, progress=progress)
            write = _xlsx_write if job.file_format == ExportJob.Format.XLSX else _csv_write
            with tempfile.TemporaryFile() as output:
                write(rows, output)
                output.seek(0)
                job.file.save(job.filename, File(output), save=False)
        job.total_rows = job.processed_rows
        job.status = ExportJob.Status.DONE
    except ValidationError as error:
        job.status = ExportJob.Status.FAILED
        job.problem = " ".join(error.messages)
    except Exception:
        logger.exception("export %s failed", job.pk)
        job.status = ExportJob.Status.FAILED
        with translation.override(job.language or settings.LANGUAGE_CODE):
            job.problem = gettext("The export stopped on an unexpected error.")
    job.finished_at = timezone.now()
    job.save()
    _finished(job)
    return job


def exports_recover(*, now=None) -> int:
    """Exports whose worker died while writing the file (crm_core.jobs.running) fail,
    saying so, and whoever asked is told; returns how many."""
    jobs = stopped_failed(
        ExportJob.objects.filter(status=ExportJob.Status.RUNNING),
        problem=gettext_noop("The export stopped when its worker did. Export the list again."),
        now=now,
    )
    for job in jobs:
        _finished(job)
    return len(jobs)


def _finished(job: ExportJob) -> None:
    """The page watching the job shows the result; whoever asked is told, with the link."""
    broadcast_after_commit([_job_group(job)], {"type": "job.finished", "status": job.status})
    done = job.status == ExportJob.Status.DONE
    notify(
        recipients=[job.created_by],
        kind=Notification.Kind.EXPORT_DONE if done else Notification.Kind.EXPORT_FAILED,
        params={"file": job.filename, "rows": job.processed_rows, "problem": job.problem},
        url=reverse("export_detail", args=[job.pk]),
    )


def exports_purge(*, now=None) -> int:
    """Delete the files of exports older than `EXPORT_KEEP_DAYS` (the rows stay, as history)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.EXPORT_KEEP_DAYS)
    count = 0
    for job in ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff):
        job.file.delete(save=False)
        job.status = ExportJob.Status.EXPIRED
        job.save(update_fields=["file", "status"])
        count += 1
    return count


def export_expires_at(job: ExportJob):
    if job.finished_at is None:
        return None
    return job.finished_at + timedelta(days=settings.EXPORT_KEEP_DAYS)
