"""The pages of background jobs: an import (upload, column mapping, dry run report,
progress, undo) and an export (progress while it is written, then the download)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.common.visibility import can_assign_owners
from crm_core.jobs.exports import export_expires_at
from crm_core.jobs.forms import ImportUploadForm
from crm_core.jobs.imports import (
    fields_for,
    import_mapping_set,
    import_not_queued,
    import_progress,
    import_start,
    import_undo_start,
    import_upload,
    report_path,
)
from crm_core.jobs.models import ExportJob, ImportJob
from crm_core.jobs.selectors import (
    export_get_for_user,
    exports_for,
    import_get_for_user,
    imports_visible,
)
from crm_core.jobs.tasks import import_check_job, import_read_job, import_run_job, import_undo_job
from crm_core.parties.screens import Kind
from tenants.queue import enqueue_after_commit
from tenants.typing import StaffRequest


def _queue(task, job: ImportJob) -> None:
    enqueue_after_commit(task, job.pk, on_failure=lambda: import_not_queued(job=job))


def _may_import(request: StaffRequest, kind: str) -> None:
    if not request.user.has_perm(f"crm_core.add_{kind}"):
        raise PermissionDenied(_("Your role cannot create these records."))


def import_upload_view(request: StaffRequest, kind: Kind) -> HttpResponse:
    _may_import(request, kind.name)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        kind=kind.name,
        can_assign=can_assign_owners(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = import_upload(
                actor=request.user,
                kind=kind.name,
                upload=data["file"],
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                segment=data["segment"],
                owner=data.get("owner"),
                duplicates=data["duplicates"],
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            job.language = request.LANGUAGE_CODE
            job.save(update_fields=["language"])
            if job.status == ImportJob.Status.READING:
                _queue(import_read_job, job)
            return redirect("import_detail", job.pk)
    return render(request, "crm_core/jobs/import_upload.html", {"form": form, "kind": kind})


def import_list(request: StaffRequest) -> HttpResponse:
    jobs = imports_visible(user=request.user)[:100]
    return render(request, "crm_core/jobs/import_list.html", {"jobs": jobs})


def _detail_context(job: ImportJob) -> dict:
    fields = fields_for(job.kind, job.segment)
    columns = []
    for index, header in enumerate(job.headers):
        columns.append(
            {
                "index": str(index),
                "header": header,
                "samples": [row[index] for row in job.sample if index < len(row)][:3],
                "target": job.mapping.get(str(index), ""),
            }
        )
    return {
        "job": job,
        "fields": fields,
        "columns": columns,
        "processed": import_progress(job),
        "required": [item.label for item in fields if item.required],
    }


def import_detail(request: StaffRequest, pk: int) -> HttpResponse:
    job = import_get_for_user(user=request.user, pk=pk)
    context = _detail_context(job)
    if request.method == "POST":
        mapping = {
            key.removeprefix("column-"): str(value)
            for key, value in request.POST.items()
            if key.startswith("column-")
        }
        try:
            import_mapping_set(
                job=job, mapping=mapping, skip_invalid=request.POST.get("skip_invalid") == "on"
            )
        except ValidationError as error:
            context["mapping_errors"] = error.messages
            for column in context["columns"]:
                column["target"] = mapping.get(column["index"], "")
        else:
            _queue(import_check_job, job)
            return redirect("import_detail", job.pk)
    return render(request, "crm_core/jobs/import_detail.html", context)


def import_status(request: StaffRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the job runs."""
    job = import_get_for_user(user=request.user, pk=pk)
    response = render(request, "crm_core/jobs/_import_status.html", _detail_context(job))
    if not job.is_running and request.GET.get("running"):
        response["HX-Refresh"] = "true"  # the job ended: show the full result page
    return response


@require_POST
def import_run_view(request: StaffRequest, pk: int) -> HttpResponse:
    job = import_get_for_user(user=request.user, pk=pk)
    try:
        import_start(job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _queue(import_run_job, job)
    return redirect("import_detail", job.pk)


@require_POST
def import_undo_view(request: StaffRequest, pk: int) -> HttpResponse:
    job = import_get_for_user(user=request.user, pk=pk)
    try:
        import_undo_start(job=job)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _queue(import_undo_job, job)
    return redirect("import_detail", job.pk)


def import_report(request: StaffRequest, pk: int) -> FileResponse:
    job = import_get_for_user(user=request.user, pk=pk)
    path = report_path(job)
    if not default_storage.exists(path):
        raise Http404
    return FileResponse(
        default_storage.open(path, "rb"),
        as_attachment=True,
        filename=f"problems-{job.pk}.csv",
        content_type="text/csv; charset=utf-8",
    )


def _context(job: ExportJob) -> dict:
    return {"job": job, "expires_at": export_expires_at(job)}


def export_list(request: StaffRequest) -> HttpResponse:
    jobs = exports_for(user=request.user)[:100]
    return render(
        request,
        "crm_core/jobs/export_list.html",
        {"jobs": jobs, "keep_days": settings.EXPORT_KEEP_DAYS},
    )


def export_detail(request: StaffRequest, pk: int) -> HttpResponse:
    job = export_get_for_user(user=request.user, pk=pk)
    return render(request, "crm_core/jobs/export_detail.html", _context(job))


def export_status(request: StaffRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the socket is away, reloaded when it ends."""
    job = export_get_for_user(user=request.user, pk=pk)
    return render(request, "crm_core/jobs/_export_status.html", _context(job))


def export_download(request: StaffRequest, pk: int) -> FileResponse:
    job = export_get_for_user(user=request.user, pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    content_types: dict[str, str] = {
        ExportJob.Format.CSV: "text/csv; charset=utf-8",
        ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    content_type = content_types[job.file_format]
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type
    )
