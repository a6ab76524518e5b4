"""The gates' pages: a segment's proposal setup (card rule and needs questionnaire), a client's
needs card, and an owner's or administrator's override of a step."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into, errors_to_messages, form_labels
from crm_core.parties.screens import Kind
from crm_core.proposals.forms import (
    CardRuleForm,
    ClassesForm,
    OfferRowFormSet,
    OverrideForm,
    PlacementFormSet,
    TermFormSet,
)
from crm_core.proposals.models import CardRule, OfferItem, PlacementRule, PotentialRule
from crm_core.proposals.selectors import gates, questionnaire_current
from crm_core.proposals.services import (
    classes_parse,
    gate_override,
    may_set_up,
    needs_card_save,
    proposal_setup_save,
)
from crm_core.segments.forms import ParameterFormSet, parameters_form, segment_values_from_form
from crm_core.segments.models import Segment
from tenants.typing import StaffRequest


def segment_proposal_setup(request: StaffRequest, pk: int) -> HttpResponse:
    """What a card of the segment must hold, and the questions of its needs card."""
    segment = get_object_or_404(Segment, pk=pk)
    may_set_up(request.user)
    rule = CardRule.objects.filter(segment=segment).first()
    current = questionnaire_current(segment)
    initial = {
        "fields_required": rule.fields if rule else [],
        "parameters_required": rule.parameters if rule else [],
    }
    form = CardRuleForm(request.POST or None, initial=initial, segment=segment)
    rows = [
        {**item, "choices": ", ".join(item.get("choices", []))}
        for item in (current.questions if current else [])
    ]
    questions = ParameterFormSet(request.POST or None, initial=rows, prefix="q")
    scoring = PotentialRule.objects.filter(segment=segment).first()
    terms = TermFormSet(
        request.POST or None,
        initial=scoring.terms if scoring else [],
        prefix="t",
        form_kwargs={"segment": segment},
    )
    classes = ClassesForm(
        request.POST or None,
        initial={
            "classes": ", ".join(f"{item['name']}={item['from']}" for item in scoring.classes)
            if scoring
            else ""
        },
    )
    matrix = OfferRowFormSet(
        request.POST or None,
        initial=[
            {
                "need": f"{cell.question}={cell.answer}" if cell.question else "",
                "product": cell.product_id,
                "importance": cell.importance,
                "quantity": cell.quantity,
            }
            for cell in OfferItem.objects.filter(segment=segment)
        ],
        prefix="m",
        form_kwargs={"questionnaire": current},
    )
    placing = PlacementRule.objects.filter(segment=segment).first()
    placement = PlacementFormSet(
        request.POST or None,
        initial=placing.conditions if placing else [],
        prefix="p",
        form_kwargs={"segment": segment},
    )
    parts = (form, questions, terms, classes, matrix, placement)
    valid = all(part.is_valid() for part in parts)
    if request.method == "POST" and valid:
        try:
            proposal_setup_save(
                actor=request.user,
                segment=segment,
                card_fields=form.cleaned_data["fields_required"],
                card_parameters=form.cleaned_data["parameters_required"],
                questions=[row for row in questions.cleaned_data if row.get("label")],
                terms=[row for row in terms.cleaned_data if row.get("parameter")],
                classes=classes_parse(classes.cleaned_data["classes"]),
                matrix=[
                    {
                        "question": row["need"].partition("=")[0],
                        "answer": row["need"].partition("=")[2],
                        "product": row["product"].pk,
                        "importance": row["importance"],
                        "quantity": row["quantity"],
                    }
                    for row in matrix.cleaned_data
                    if row.get("product")
                ],
                placement=[row for row in placement.cleaned_data if row.get("field")],
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(
                request, _("The proposal setup of “%(name)s” is saved.") % {"name": segment.name}
            )
            return redirect("segment_proposal_setup", pk=segment.pk)
    return render(
        request,
        "crm_core/proposals/setup.html",
        {
            "segment": segment,
            "form": form,
            "questions": questions,
            "current": current,
            "terms": terms,
            "classes": classes,
            "matrix": matrix,
            "placement": placement,
        },
    )


def client_needs(request: StaffRequest, kind: Kind, pk: int) -> HttpResponse:
    """The client's needs and expectations card: their segment's current questions."""
    client = kind.get_for_user(user=request.user, pk=pk)
    found = gates(client)
    questionnaire = found.questionnaire
    step = next(step for step in found.steps if step.key == "needs")
    initial = found.card.answers if found.card else {}
    form = (
        parameters_form(questionnaire.questions, request.POST or None, initial=initial, prefix="n")
        if questionnaire is not None
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            needs_card_save(
                actor=request.user,
                client=client,
                data={"answers": segment_values_from_form(form)},
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The needs card is saved."))
            return redirect(kind.url("detail", client.pk))
    return render(
        request,
        "crm_core/proposals/needs.html",
        {
            "client": client,
            "kind": kind,
            "gates": found,
            "step": step,
            "form": form,
            "card_url": kind.url("detail", client.pk),
        },
    )


@require_POST
def client_gate_override(request: StaffRequest, kind: Kind, pk: int) -> HttpResponse:
    client = kind.get_for_user(user=request.user, pk=pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        errors_to_messages(request, form.errors, form_labels(form))
        return redirect(kind.url("detail", client.pk))
    try:
        gate_override(
            actor=request.user,
            client=client,
            step=form.cleaned_data["step"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The step is passed over; the reason is recorded."))
    return redirect(kind.url("detail", client.pk))
