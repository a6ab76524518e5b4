"""A background export's page: progress while it is written, then the download."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from crm_core.models import ExportJob
from crm_core.selectors.exports import export_get_for_user, exports_for
from crm_core.services.export import export_expires_at


def _context(job: ExportJob) -> dict:
    return {"job": job, "expires_at": export_expires_at(job)}


def export_list(request: HttpRequest) -> HttpResponse:
    jobs = exports_for(user=request.user)[:100]
    return render(
        request,
        "crm_core/export_list.html",
        {"jobs": jobs, "keep_days": settings.EXPORT_KEEP_DAYS},
    )


def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = export_get_for_user(user=request.user, pk=pk)
    return render(request, "crm_core/export_detail.html", _context(job))


def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the socket is away, reloaded when it ends."""
    job = export_get_for_user(user=request.user, pk=pk)
    return render(request, "crm_core/_export_status.html", _context(job))


def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = export_get_for_user(user=request.user, pk=pk)
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    content_type = {
        ExportJob.Format.CSV: "text/csv; charset=utf-8",
        ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[job.file_format]
    return FileResponse(
        job.file.open("rb"), as_attachment=True, filename=job.filename, content_type=content_type
    )
