"""Staff screens of contacts and companies (list, card, create, edit, archive) and the matches for
the search box of a big select: the first 20 the user may see, found the way the lists find them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from config.pagination import paginate
from crm_core.activities.notes import notes_context
from crm_core.activities.timeline import timeline_context, timeline_fragment
from crm_core.commerce.selectors import buying_habits, orders_visible
from crm_core.common.forms import initial_from
from crm_core.common.services import EditConflict
from crm_core.common.visibility import can_assign_owners
from crm_core.deals.selectors import deals_summary, deals_visible
from crm_core.history.selectors import record_history
from crm_core.jobs.downloads import list_export
from crm_core.lists.screens import list_screen_context
from crm_core.parties.screens import COMPANIES, CONTACTS, Kind, contact_card_context
from crm_core.parties.selectors import (
    companies_visible,
    company_contacts,
    company_get_for_user,
    contact_get_for_user,
    contacts_visible,
    lifecycle_stages,
    owners_assignable,
)
from crm_core.parties.services import (
    DuplicateFound,
    record_archive,
)
from crm_core.proposals.screens import gates_context
from crm_core.segments.selectors import pending_segment, segment_card_context, segments_for
from crm_core.support.selectors import service_summary, tickets_visible
from tenants.typing import StaffRequest

LIMIT = 20


def lookup(request: StaffRequest, kind: Kind) -> HttpResponse:
    """The options of a lookup select. A select of several (`keep` names its field) keeps the
    records already chosen in it, first and selected, beside the matches."""
    text = request.GET.get("q", "").strip()
    visible = kind.visible(user=request.user).filter(archived_at=None)
    queryset = kind.filterset({"q": text}, queryset=visible).qs if text else visible
    keep = request.GET.get("keep", "")
    kept_ids = [value for value in request.GET.getlist(keep) if value.isdigit()] if keep else []
    kept = list(visible.filter(pk__in=kept_ids[:LIMIT])) if kept_ids else []
    records = list(
        queryset.exclude(pk__in=[record.pk for record in kept]).order_by(
            kind.ordering.default, "pk"
        )[:LIMIT]
    )
    return render(
        request,
        "crm_core/parties/_lookup_options.html",
        {"records": records, "kept": kept, "multiple": bool(keep), "kind": kind},
    )


def _form(kind: Kind, request: StaffRequest, **kwargs):
    extra: dict[str, Any] = {"can_assign": can_assign_owners(request.user)}
    if kind is CONTACTS:
        extra["companies"] = companies_visible(user=request.user).filter(archived_at=None)
    return kind.form(request.POST or None, **extra, **kwargs)


def record_list(request: StaffRequest, kind: Kind) -> HttpResponse:
    filterset = kind.filterset(request.GET, queryset=kind.visible(user=request.user))
    segment = filterset.form.cleaned_data.get("segment") if filterset.is_valid() else None
    filter_error = None
    try:
        page = paginate(request, filterset.qs, kind.ordering)
    except ValidationError as error:
        page = paginate(request, kind.visible(user=request.user).none(), kind.ordering)
        filter_error = " ".join(error.messages)
    context = {
        "segments": segments_for(kind.name),
        "segment": segment,
        "filter_error": filter_error,
        "parameter_filters": _parameter_filters(request, segment),
        "kind": kind,
        "page": page,
        "filters": filterset.form,
        "stages": lifecycle_stages(),
        "owners": owners_assignable(),
        "sort_fields": kind.ordering.fields,
        **list_screen_context(request, kind.name),
    }
    template = f"crm_core/parties/{kind.name}_list.html"
    if request.htmx:
        template = f"crm_core/parties/_{kind.name}_rows.html"
    return render(request, template, context)


def _parameter_filters(request: StaffRequest, segment) -> list[dict]:
    """The filter inputs of a segment's parameters, with what the user typed."""
    if segment is None:
        return []
    return [
        {
            **parameter,
            "value": request.GET.get(f"p.{parameter['key']}", ""),
            "min": request.GET.get(f"p.{parameter['key']}.min", ""),
            "max": request.GET.get(f"p.{parameter['key']}.max", ""),
        }
        for parameter in segment.parameters
    ]


def record_export(request: StaffRequest, kind: Kind, file_format: str) -> HttpResponseBase:
    return list_export(request, kind=kind.name, file_format=file_format, back=kind.url("list"))


def record_create(request: StaffRequest, kind: Kind) -> HttpResponse:
    if not request.user.has_perm(f"crm_core.add_{kind.name}"):
        raise PermissionDenied(_("Your role cannot create these records."))
    form = _form(kind, request, initial=request.GET.dict())
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            options = (
                {"allow_duplicate": form.cleaned_data["allow_duplicate"]}
                if (kind is CONTACTS)
                else {}
            )
            record = kind.create(actor=request.user, data=form.service_data(), **options)
        except DuplicateFound as duplicate:
            visible = contacts_visible(user=request.user)
            duplicates = [(c, visible.filter(pk=c.pk).exists()) for c in duplicate.duplicates]
            form.add_error(None, duplicate.messages)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(kind.url("detail", record.pk))
    if kind is CONTACTS and not duplicates:
        form.fields.pop("allow_duplicate", None)
    return render(
        request,
        "crm_core/parties/record_form.html",
        {"kind": kind, "form": form, "duplicates": duplicates, "record": None},
    )


def record_edit(request: StaffRequest, kind: Kind, pk: int) -> HttpResponse:
    record = kind.get_for_user(user=request.user, pk=pk)
    form = _form(kind, request, initial=initial_from(record, kind.form))
    form.fields.pop("allow_duplicate", None)
    if request.method == "POST" and form.is_valid():
        try:
            kind.update(
                actor=request.user,
                **{kind.name: record},
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form.add_error(None, conflict.messages)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(kind.url("detail", record.pk))
    return render(
        request,
        "crm_core/parties/record_form.html",
        {"kind": kind, "form": form, "record": record, "duplicates": []},
    )


@require_POST
def record_archive_view(request: StaffRequest, kind: Kind, pk: int) -> HttpResponse:
    record = kind.get_for_user(user=request.user, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    record_archive(record=record, archived=archived)
    messages.success(request, _("Archived.") if archived else _("Restored from the archive."))
    return redirect(kind.url("detail", record.pk))


def contact_detail(request: StaffRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk, with_portal=True)
    context = contact_card_context(request, contact)
    context["kind"] = CONTACTS
    suggestion = request.session.get("stage_suggestion")
    if suggestion and suggestion["contact"] == contact.pk:
        context["suggestion"] = suggestion
    return render(request, "crm_core/parties/contact_detail.html", context)


def company_detail(request: StaffRequest, pk: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, pk=pk)
    contacts = company_contacts(user=request.user, company=company)[:50]
    deals = deals_visible(user=request.user).filter(
        Q(company=company) | Q(contact__company=company)
    )
    orders = orders_visible(user=request.user).filter(company=company)
    context = {
        **notes_context(request, company),
        **segment_card_context(company, "company", pending_segment(request, company)),
        **gates_context(company, request.user),
        **timeline_context(request, company, "company_timeline"),
        "company": company,
        "contacts": contacts,
        "kind": COMPANIES,
        "history": record_history(company),
        "deals": deals_summary(deals),
        "open_deals": deals.filter(closed_at=None).order_by("expected_close", "-id")[:5],
        "orders": list(orders[:5]),
        "habits": buying_habits(orders),
        "service": service_summary(
            tickets_visible(user=request.user).filter(contact__company=company)
        ),
    }
    return render(request, "crm_core/parties/company_detail.html", context)


def company_timeline_view(request: StaffRequest, pk: int) -> HttpResponse:
    company = company_get_for_user(user=request.user, pk=pk)
    return timeline_fragment(request, company, "company_timeline")
