"""Saved views and bulk changes of the contact, company and deal lists: save or delete a view,
ask for a bulk change (a confirmation page says what it will do), do it, undo it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_core.lists.models import BulkOperation, ListKind
from crm_core.lists.selectors import bulk_operation_get_for_user, view_get_for_user
from crm_core.lists.services import (
    ACTIONS,
    BULK_LIMIT,
    bulk_apply,
    bulk_records,
    bulk_undo,
    bulk_value,
    saved_view_delete,
    saved_view_save,
)
from tenants.typing import StaffRequest

LIST_PAGES = {
    ListKind.CONTACT: "contact_list",
    ListKind.COMPANY: "company_list",
    "deal": "deal_list",
}
EXPORTS = {
    ListKind.CONTACT: "contact_export",
    ListKind.COMPANY: "company_export",
    "deal": "deal_export",
}


def _list_url(kind: str, query: str = "") -> str:
    return reverse(LIST_PAGES[kind]) + (f"?{query}" if query else "")


@require_POST
def saved_view_create(request: StaffRequest, kind: str) -> HttpResponse:
    if kind not in ListKind.values:
        raise Http404
    query = request.POST.get("query", "")
    try:
        view = saved_view_save(
            actor=request.user,
            kind=kind,
            data={
                "name": request.POST.get("name", ""),
                "query": query,
                "columns": request.POST.getlist("columns"),
                "shared": request.POST.get("shared") == "on",
            },
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_list_url(kind, query))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(_list_url(kind, f"{view.query}&view={view.pk}".lstrip("&")))


@require_POST
def saved_view_delete_view(request: StaffRequest, pk: int) -> HttpResponse:
    view = view_get_for_user(user=request.user, pk=pk)
    saved_view_delete(actor=request.user, view=view)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect(_list_url(view.kind))


def _ids(raw: list[str]) -> list[int]:
    return [int(value) for value in raw if value.isdigit()][: BULK_LIMIT + 1]


@require_POST
def bulk_view(request: StaffRequest, kind: str) -> HttpResponse:
    """A bulk action on the rows chosen (`ids`) or every row the filters keep (`scope=all`,
    with the list's `query`): first a page that says what it will do, then, confirmed, done."""
    if kind not in ListKind.values:
        raise Http404
    action = request.POST.get("action", "")
    query = request.POST.get("query", "")
    everything = request.POST.get("scope") == "all"
    ids = None if everything else _ids(request.POST.getlist("ids"))
    if action == "export":
        if not ids:
            messages.error(request, _("Choose the records to export."))
            return redirect(_list_url(kind, query))
        selection = QueryDict(mutable=True)
        selection["ids"] = ",".join(map(str, ids))
        return redirect(reverse(EXPORTS[kind], args=["csv"]) + "?" + selection.urlencode())
    try:
        if action not in ACTIONS[kind]:
            raise ValidationError(_("Choose a bulk action."))
        value = bulk_value(kind, action, request.POST.get("value", ""))
        if action != "archive" and value is None:
            raise ValidationError(_("Choose what to set."))
        records = bulk_records(
            user=request.user, kind=kind, ids=ids, query=QueryDict(query) if everything else None
        )
        if request.POST.get("confirm") != "yes":
            return render(
                request,
                "crm_core/lists/bulk_confirm.html",
                {
                    "kind": kind,
                    "action": action,
                    "action_label": BulkOperation.Action(action).label,
                    "value": value,
                    "count": records.count(),
                    "examples": list(records[:5]),
                    "posted": request.POST,
                    "ids": ids or [],
                    "back": _list_url(kind, query),
                },
            )
        result = bulk_apply(
            actor=request.user, kind=kind, action=action, records=records, value=value
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_list_url(kind, query))
    if result.operation is not None:
        messages.success(request, result.operation.label + ".")
    if result.refused:
        messages.warning(request, _("Left as they were: %s") % "; ".join(result.refused[:10]))
    return redirect(_list_url(kind, query))


@require_POST
def bulk_undo_view(request: StaffRequest, pk: int) -> HttpResponse:
    operation = bulk_operation_get_for_user(user=request.user, pk=pk)
    try:
        result = bulk_undo(actor=request.user, operation=operation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Undone: %(change)s.") % {"change": operation.label})
        if result.refused:
            messages.warning(request, _("Left as they are: %s") % "; ".join(result.refused[:10]))
    return redirect(_list_url(operation.kind, request.POST.get("query", "")))
