"""The upload: the file stored, its header and first rows read (a CSV in the request, an
XLSX workbook by a worker), the column mapping guessed and then chosen."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm_core.common.services import owner_resolve
from crm_core.jobs.imports.fields import SEVERAL_COLUMNS, fields_for, mapping_guess
from crm_core.jobs.imports.files import FileProblem, file_format, table_preview, xlsx_check
from crm_core.jobs.imports.progress import finished_push
from crm_core.jobs.models import ImportJob
from crm_core.jobs.running import running
from crm_core.segments.services import segment_kind_check
from tenants.identity.models import User


def import_upload(
    *,
    actor: User,
    kind: str,
    upload,
    encoding: str = "auto",
    delimiter: str = "",
    segment=None,
    owner: User | None = None,
    duplicates: str = ImportJob.Duplicates.SKIP,
) -> ImportJob:
    """Store the file and read its header and first rows, guessing the column mapping. A CSV
    is read here; an XLSX workbook is checked from its archive's directory (nothing unpacked)
    and left READING for a worker (`import_read`): unpacking it is no work for a request."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": [_("Import contacts or companies.")]})
    try:
        fmt = file_format(upload.name)
        if fmt == "xlsx":
            xlsx_check(upload)
    except FileProblem as error:
        raise ValidationError({"file": error.messages}) from None
    segment_kind_check(segment, kind)
    owner = owner_resolve(actor=actor, owner=owner)
    job = ImportJob(
        uuid=uuid.uuid4(),
        kind=kind,
        filename=upload.name[-255:],
        encoding=encoding,
        delimiter=delimiter,
        segment=segment,
        owner=owner,
        duplicates=duplicates,
        created_by=actor,
        status=ImportJob.Status.READING,
    )
    if fmt == "csv":
        try:
            _preview_into(job, upload, fmt)
        except FileProblem as error:
            raise ValidationError({"file": error.messages}) from None
    upload.seek(0)
    job.file.save(f"source.{fmt}", upload, save=False)
    job.save()
    return job


def _preview_into(job: ImportJob, stream, fmt: str) -> None:
    """The file's encoding, delimiter, headers, first rows and size, and a mapping guess."""
    job.encoding, job.delimiter, job.headers, job.sample, job.total_rows = table_preview(
        stream, file_format=fmt, encoding=job.encoding, delimiter=job.delimiter
    )
    job.mapping = mapping_guess(job.kind, job.headers, job.segment)
    job.status = ImportJob.Status.UPLOADED


def import_read(*, job: ImportJob) -> ImportJob:
    """A worker reads the stored workbook's header and first rows (the upload's READING step);
    a file that cannot be read fails the job, saying why."""
    if job.status != ImportJob.Status.READING:
        return job  # a redelivered message
    fmt = file_format(job.file.name or "")
    try:
        with running(job), job.file.open("rb") as stream:
            _preview_into(job, stream, fmt)
    except FileProblem as error:
        job.status = ImportJob.Status.FAILED
        job.problem = " ".join(error.messages)
    job.save()
    finished_push(job)
    return job


def import_mapping_set(
    *, job: ImportJob, mapping: dict[str, str], skip_invalid: bool = False
) -> ImportJob:
    """Save the column mapping after checking it can work; the next step is the dry run."""
    if job.is_running or job.status in (ImportJob.Status.DONE, ImportJob.Status.UNDONE):
        raise ValidationError(_("This import can no longer be changed."))
    fields = {item.key: item for item in fields_for(job.kind, job.segment)}
    problems: list[str] = []
    cleaned: dict[str, str] = {}
    for column, key in mapping.items():
        if not key:
            continue
        if key not in fields or not column.isdigit() or int(column) >= len(job.headers):
            problems.append(_("Column %(column)s: unknown target.") % {"column": column})
            continue
        if key in cleaned.values() and key not in SEVERAL_COLUMNS:
            problems.append(
                _("Only one column can fill “%(field)s”.") % {"field": fields[key].label}
            )
            continue
        cleaned[column] = key
    for item in fields.values():
        if item.required and item.key not in cleaned.values():
            hint = ""
            if len(job.headers) == 1 and job.delimiter != "\t":
                hint = " " + _(
                    "The file has one column only: is the delimiter right? Choose it on upload."
                )
            problems.append(
                _("Choose the column for “%(field)s”: it is required.") % {"field": item.label}
                + hint
            )
    if problems:
        raise ValidationError({"mapping": problems})
    job.mapping = cleaned
    job.skip_invalid = skip_invalid
    job.status = ImportJob.Status.CHECKING
    job.save(update_fields=["mapping", "skip_invalid", "status"])
    return job
