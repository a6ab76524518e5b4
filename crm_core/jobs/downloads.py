"""The download of a list as it is filtered on screen (contacts, companies, deals): at once,
or as a background export for a long list."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from crm_core.jobs.exports import (
    COLUMNS,
    XLSX_ROW_LIMIT,
    export_csv_rows,
    export_filename,
    export_queryset,
    export_start,
    export_xlsx,
)
from tenants.typing import StaffRequest


def list_export(
    request: StaffRequest, *, kind: str, file_format: str, back: str
) -> HttpResponseBase:
    """The list as it is filtered on screen, as CSV (streamed) or XLSX.

    GET downloads at once. The list's export buttons POST: a list longer than
    `EXPORT_DIRECT_ROWS` then becomes a background job, and the user lands on its page."""
    query = request.POST.get("query", "") if request.method == "POST" else request.GET.urlencode()
    back = f"{back}?{query}"
    try:
        queryset, segment = export_queryset(user=request.user, kind=kind, query=query)
        count = queryset.count()
        if request.method == "POST" and count > settings.EXPORT_DIRECT_ROWS:
            job = export_start(
                actor=request.user,
                kind=kind,
                file_format=file_format,
                query=query,
                language=request.LANGUAGE_CODE,
                total=count,
            )
            return redirect("export_detail", job.pk)
        if file_format == "xlsx" and count > XLSX_ROW_LIMIT:
            raise ValidationError(
                _("XLSX downloads at once up to %(limit)s rows; use the Export button.")
                % {"limit": XLSX_ROW_LIMIT}
            )
        columns = COLUMNS[kind]
        response: HttpResponseBase
        if file_format == "csv":
            response = StreamingHttpResponse(
                export_csv_rows(queryset, columns, segment), content_type="text/csv; charset=utf-8"
            )
        else:
            response = HttpResponse(
                export_xlsx(queryset, columns, segment),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
    except ValidationError as error:
        messages.error(request, _export_problem(error))
        return redirect(back)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(kind, file_format)}"'
    return response


def _export_problem(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return " ".join(error.messages)
    details = "; ".join(
        f"{field}: {' '.join(items)}" for field, items in error.message_dict.items()
    )
    return _("Fix the filters before exporting (%(details)s).") % {"details": details}
