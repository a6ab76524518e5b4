"""The proposal's pages: made from a client's card once the way is open, edited as a draft
(lines with a discount each), its discount sent for approval and decided on, the list of the
proposals one sees (and the ones waiting for one's approval), and the discount limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import error_to_messages, errors_into
from crm_core.deals.selectors import deal_get_for_user
from crm_core.parties.screens import Kind
from crm_core.proposals.drafting import (
    ACCEPTANCE_CHOICES,
    LineInput,
    approval_decide,
    approval_request,
    approved,
    discount_limits,
    discount_limits_save,
    limits_by_role,
    may_approve,
    needs_approval,
    proposal_acceptance_set,
    proposal_create,
    proposal_get_for_user,
    proposal_update,
    proposals_visible,
    send_blockers,
)
from crm_core.proposals.forms import DecisionForm, LineFormSet, ProposalForm
from crm_core.proposals.models import DocumentTemplate, Proposal
from crm_core.proposals.selectors import offer_for
from crm_core.proposals.templating import GENERATED, documents_of
from crm_core.workspace.services import own_requisites
from tenants.typing import StaffRequest


@require_POST
def proposal_new(request: StaffRequest, kind: Kind, pk: int) -> HttpResponse:
    """Make a draft from the client's card: refused (and said why) while a step is locked."""
    client = kind.get_for_user(user=request.user, pk=pk)
    try:
        proposal = proposal_create(actor=request.user, client=client, data={})
    except ValidationError as error:
        error_to_messages(request, error)
        return redirect(kind.url("detail", client.pk))
    messages.success(request, _("Proposal %(number)s is drafted.") % {"number": proposal.number})
    return redirect("proposal_detail", proposal.pk)


@require_POST
def deal_proposal_new(request: StaffRequest, pk: int) -> HttpResponse:
    """Make a draft for the deal's client (its company, else its person), tied to the deal
    and addressed to the deal's person: refused (and said why) while a step is locked."""
    deal = deal_get_for_user(user=request.user, pk=pk)
    client = deal.company or deal.contact
    if client is None:
        messages.error(request, _("The deal has no client to make a proposal for."))
        return redirect("deal_detail", deal.pk)
    try:
        proposal = proposal_create(
            actor=request.user,
            client=client,
            data={"deal": deal, "contact": deal.contact if deal.company else None},
        )
    except ValidationError as error:
        error_to_messages(request, error)
        return redirect("deal_detail", deal.pk)
    messages.success(request, _("Proposal %(number)s is drafted.") % {"number": proposal.number})
    return redirect("proposal_detail", proposal.pk)


def proposal_list(request: StaffRequest) -> HttpResponse:
    """The proposals the user sees, by status; `?approval=pending`: those waiting for a
    decision on their discount."""
    proposals = proposals_visible(user=request.user)
    wanted = request.GET.get("status")
    pending = request.GET.get("approval") == "pending"
    if pending:
        proposals = proposals.filter(approval=Proposal.Approval.PENDING).exclude(owner=request.user)
    elif wanted in Proposal.Status.values:
        proposals = proposals.filter(status=wanted)
    return render(
        request,
        "crm_core/proposals/proposals.html",
        {
            "proposals": proposals[:200],
            "statuses": Proposal.Status.choices,
            "wanted": None if pending else wanted,
            "pending": pending,
        },
    )


def _lines_initial(proposal: Proposal) -> list[dict[str, Any]]:
    return [
        {
            "product": line.product,
            "quantity": line.quantity,
            "discount": line.discount,
            "importance": line.importance,
        }
        for line in proposal.lines.select_related("product")
    ]


def _lines_from(formset) -> list[LineInput]:
    return [
        LineInput(
            product=form.cleaned_data["product"],
            quantity=form.cleaned_data.get("quantity") or Decimal(0),
            discount=form.cleaned_data.get("discount") or Decimal(0),
            importance=form.cleaned_data.get("importance") or "",
        )
        for form in formset
        if form.cleaned_data.get("product") is not None
    ]


def proposal_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The proposal: a draft's form and lines (saved together), the approval and what still
    stops it from being sent."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    draft = proposal.status == Proposal.Status.DRAFT
    post = request.POST if request.method == "POST" and draft else None
    form = ProposalForm(
        post,
        proposal=proposal,
        initial={
            "version": proposal.version,
            "title": proposal.title,
            "contact": proposal.contact_id,
            "language": proposal.language,
            "valid_until": proposal.valid_until,
            "message": proposal.message,
        },
    )
    lines = LineFormSet(post, initial=_lines_initial(proposal), prefix="l")
    if post is not None and form.is_valid() and lines.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value is not None}
        data["lines"] = _lines_from(lines)
        try:
            proposal_update(actor=request.user, proposal=proposal, data=data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The proposal is saved."))
            return redirect("proposal_detail", proposal.pk)
    offered = {line.product_id for line in proposal.lines.all()}
    suggestions = (
        [
            line
            for line in offer_for(proposal.client).lines
            if line.product.pk not in offered and line.price is not None
        ]
        if draft and proposal.segment_id
        else []
    )
    limits = limits_by_role()  # read once for the four answers below
    return render(
        request,
        "crm_core/proposals/proposal.html",
        {
            "proposal": proposal,
            "draft": draft,
            "form": form,
            "lines": lines,
            "saved_lines": proposal.lines.select_related("product"),
            "suggestions": suggestions,
            "needs_approval": needs_approval(proposal, limits),
            "approved": approved(proposal, limits),
            "limit": limits.get(proposal.owner.role, Decimal(0)),
            "may_approve": may_approve(request.user, proposal),
            "decision_form": DecisionForm(),
            "blockers": send_blockers(proposal, limits),
            "documents": documents_of(proposal=proposal),
            "document_kinds": [(kind, DocumentTemplate.Kind(kind).label) for kind in GENERATED],
        },
    )


@require_POST
def proposal_approval_ask(request: StaffRequest, pk: int) -> HttpResponse:
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    try:
        approval_request(actor=request.user, proposal=proposal)
    except ValidationError as error:
        error_to_messages(request, error)
    else:
        messages.success(request, _("The discount is sent to the head of sales for approval."))
    return redirect("proposal_detail", proposal.pk)


@require_POST
def proposal_approval_decide(request: StaffRequest, pk: int) -> HttpResponse:
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    try:
        approval_decide(
            actor=request.user,
            proposal=proposal,
            approve=approve,
            comment=form.cleaned_data.get("comment", ""),
        )
    except ValidationError as error:
        error_to_messages(request, error)
    else:
        messages.success(
            request,
            _("The discount is approved.") if approve else _("The discount is rejected."),
        )
    return redirect("proposal_detail", proposal.pk)


def discount_limits_view(request: StaffRequest) -> HttpResponse:
    """The largest discount each role gives without a head of sales' approval."""
    if not request.user.can_manage_team:
        raise PermissionDenied(_("Only the owner or an administrator sets the discount limits."))
    limits = discount_limits()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            with transaction.atomic():
                discount_limits_save(
                    actor=request.user,
                    limits={
                        role: request.POST.get(role, "").replace(",", ".")
                        for role, *_rest in limits
                    },
                )
                proposal_acceptance_set(
                    actor=request.user, value=request.POST.get("acceptance", "")
                )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(request, _("The discount limits are saved."))
            return redirect("proposal_discount_limits")
    rows = [
        (
            role,
            label,
            request.POST.get(role, "") if errors else f"{value.normalize():f}",
            " ".join(errors.get(role, [])),
        )
        for role, label, value in limits
    ]
    return render(
        request,
        "crm_core/proposals/discount_limits.html",
        {
            "rows": rows,
            "acceptance_choices": ACCEPTANCE_CHOICES,
            "acceptance": request.POST.get("acceptance") or own_requisites().proposal_acceptance,
            "acceptance_error": " ".join(errors.get("acceptance", [])),
        },
    )
