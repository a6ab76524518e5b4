"""Segments: the editor of their parameters, and the values on a record's card."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into, errors_to_messages, form_labels
from crm_core.common.services import EditConflict
from crm_core.segments.forms import (
    ParameterFormSet,
    SegmentForm,
    segment_values_form,
    segment_values_from_form,
)
from crm_core.segments.models import Segment
from crm_core.segments.services import segment_save
from tenants.typing import StaffRequest


def _require(request: StaffRequest, action: str) -> None:
    if not request.user.has_perm(f"crm_core.{action}_segment"):
        raise PermissionDenied(_("Your role cannot change segments."))


def segment_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "crm_core/segments/segment_list.html",
        {
            "segments": Segment.objects.all(),
            "can_edit": request.user.has_perm("crm_core.change_segment"),
        },
    )


def segment_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    _require(request, "change" if segment else "add")
    initial = (
        {"name": segment.name, "applies_to": segment.applies_to, "description": segment.description}
        if segment
        else None
    )
    rows = [
        {**item, "choices": ", ".join(item.get("choices", []))}
        for item in (segment.parameters if segment else [])
    ]
    form = SegmentForm(request.POST or None, initial=initial)
    parameters = ParameterFormSet(request.POST or None, initial=rows, prefix="p")
    if request.method == "POST" and form.is_valid() and parameters.is_valid():
        data = {
            **form.cleaned_data,
            "parameters": [row for row in parameters.cleaned_data if row.get("label")],
        }
        try:
            segment = segment_save(segment=segment, data=data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
            return redirect("segment_list")
    return render(
        request,
        "crm_core/segments/segment_form.html",
        {"form": form, "parameters": parameters, "segment": segment},
    )


@require_POST
def record_segment(request: StaffRequest, kind, pk: int) -> HttpResponse:
    """Put a record in a segment (or take it out) and save its parameter values."""
    record = kind.get_for_user(user=request.user, pk=pk)
    segment_id = request.POST.get("segment") or None
    segment = get_object_or_404(Segment, pk=segment_id) if segment_id else None
    data: dict[str, Any] = {"segment": segment, "segment_values": {}}
    with_values = request.POST.get("values") == "1"
    is_new = segment is not None and segment.pk != record.segment_id
    if (
        segment is not None
        and is_new
        and not with_values
        and any(item["required"] for item in segment.parameters)
    ):
        messages.info(
            request,
            _("Fill in the parameters of “%(segment)s” to add it there.")
            % {"segment": segment.name},
        )
        return redirect(f"{kind.url('detail', record.pk)}?segment={segment.pk}")
    if segment is not None and with_values:
        values = segment_values_form(segment, request.POST, prefix="sv")
        if not values.is_valid():
            errors_to_messages(request, values.errors, form_labels(values))
            return redirect(kind.url("detail", record.pk))
        data["segment_values"] = segment_values_from_form(values)
    try:
        kind.update(
            actor=request.user,
            **{kind.name: record},
            data=data,
            expected_version=int(request.POST.get("version") or record.version),
        )
    except EditConflict as conflict:
        messages.error(request, conflict.messages[0])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Saved."))
    return redirect(kind.url("detail", record.pk))
