"""The customer's side of a proposal: its page behind the mailed link (views counted; ask a
question, decline with a reason, or accept with a typed name and consent), its PDF, and the
list in the customer's account."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import error_to_messages
from crm_core.proposals.drafting import (
    Acceptance,
    expired,
    proposal_accept,
    proposal_decline,
    proposal_question,
    proposal_viewed,
)
from crm_core.proposals.models import Proposal
from crm_core.proposals.templating import proposal_html, proposal_pdf
from portal.services.proposals import proposal_from_link, proposal_token, proposals_of
from portal.views.common import customer_view, page_of

SEEN = "proposals_seen"


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/link_invalid.html", status=404)


def _by_customer(request: HttpRequest) -> bool:
    """Whether the visit is the customer's (staff following a link count no view)."""
    user = request.user
    return not user.is_authenticated or user.is_customer


def proposal_page(request: HttpRequest, token: str) -> HttpResponse:
    proposal = proposal_from_link(token)
    if proposal is None:
        return _invalid(request)
    seen = request.session.get(SEEN, [])
    if _by_customer(request) and proposal.pk not in seen:
        # an opening counts once per visit: the page shown again after an answer is not one
        proposal = proposal_viewed(proposal=proposal)
        request.session[SEEN] = [*seen, proposal.pk][-50:]
    return render(
        request,
        "portal/proposal.html",
        {
            "proposal": proposal,
            "token": token,
            "lines": proposal.lines.select_related("product"),
            "document": proposal_html(proposal),
            "open": proposal.status == Proposal.Status.SENT and not expired(proposal),
            "expired": expired(proposal),
            "posted": request.POST,
        },
    )


@require_POST
def proposal_act(request: HttpRequest, token: str, action: str) -> HttpResponse:
    """Ask, decline or accept; a refused step says why and keeps what was typed."""
    proposal = proposal_from_link(token)
    if proposal is None:
        return _invalid(request)
    try:
        if action == "question":
            proposal_question(proposal=proposal, text=request.POST.get("question", ""))
            messages.success(request, _("Your question is sent; we will answer soon."))
        elif action == "decline":
            proposal_decline(proposal=proposal, reason=request.POST.get("reason", ""))
            messages.success(request, _("Thank you: the proposal is declined."))
        else:
            proposal_accept(
                proposal=proposal,
                acceptance=Acceptance(
                    name=request.POST.get("name", ""),
                    consent=request.POST.get("consent") == "on",
                    address=request.META.get("REMOTE_ADDR"),
                    agent=request.META.get("HTTP_USER_AGENT", ""),
                    document=proposal_pdf(proposal),
                ),
            )
            messages.success(request, _("Thank you: the proposal is accepted."))
    except ValidationError as error:
        error_to_messages(request, error)
    return redirect("portal_proposal", token)


def proposal_file(request: HttpRequest, token: str) -> HttpResponse:
    proposal = proposal_from_link(token)
    if proposal is None:
        return _invalid(request)
    if proposal.accepted_document:
        data = proposal.accepted_document.read()  # the exact document accepted
    else:
        data = proposal_pdf(proposal)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proposal-{proposal.number}.pdf"'
    return response


@customer_view
def proposal_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, proposals_of(account=request.account))
    for proposal in page:
        proposal.token = proposal_token(proposal)
    return render(request, "portal/proposals.html", {"page": page})
