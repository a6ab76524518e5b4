"""A proposal on its way to the customer: sent by mail as a link to its portal page (signed
for this company and this sending: a new sending kills the old links), or listed in the
customer's account; the page records the views, and the customer asks, declines or accepts
there."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import get_language

from crm_core.parties.models import Contact
from crm_core.proposals.drafting import proposal_mark_sent
from crm_core.proposals.models import Proposal
from portal.models import CustomerAccount
from portal.tasks import portal_mail_send
from tenants.identity.models import User
from tenants.identity.services.links import link_read, link_sign
from tenants.links import portal_url
from tenants.queue import enqueue_after_commit

PURPOSE = "portal.proposal"
# a link works while the proposal is open, and never longer than this
LINK_MAX_AGE = 180 * 24 * 3600


def proposal_token(proposal: Proposal) -> str:
    return link_sign(purpose=PURPOSE, claims={"i": proposal.pk, "k": proposal.link_key})


def proposal_link(proposal: Proposal) -> str:
    return portal_url(reverse("portal_proposal", args=[proposal_token(proposal)]))


def proposal_from_link(token: str) -> Proposal | None:
    """The proposal a link of this company names, while its sending is the latest."""
    data = link_read(token, purpose=PURPOSE, max_age=LINK_MAX_AGE)
    if data is None or not isinstance(data.get("i"), int):
        return None
    proposal = (
        Proposal.objects.select_related("contact", "company", "owner")
        .filter(pk=data["i"], link_key=data.get("k") or "-")
        .exclude(status=Proposal.Status.DRAFT)
        .first()
    )
    return proposal


def proposal_send(*, actor: User, proposal: Proposal) -> Proposal:
    """Send the proposal: refused while anything stops it; the person it goes to gets a mail
    with its link (in the proposal's language)."""
    proposal = proposal_mark_sent(actor=actor, proposal=proposal)
    contact = cast(Contact, proposal.contact)  # send_blockers refuses a proposal to nobody
    enqueue_after_commit(
        portal_mail_send,
        "proposal",
        contact.emails[0],
        {
            "name": contact.first_name or contact.full_name,
            "actor": str(actor),
            "title": proposal.title,
            "number": proposal.number,
            "link": proposal_link(proposal),
            "valid_until": _day(proposal),
        },
        proposal.language or get_language() or "",
    )
    return proposal


def _day(proposal: Proposal) -> str:
    if proposal.valid_until is None:
        return ""
    with translation.override(proposal.language):
        return formats.date_format(proposal.valid_until, "DATE_FORMAT")


def proposals_of(*, account: CustomerAccount) -> QuerySet[Proposal]:
    """The proposals sent to the customer's contact (never a draft)."""
    return (
        Proposal.objects.filter(contact_id=account.contact_id)
        .exclude(status=Proposal.Status.DRAFT)
        .order_by("-sent_at", "-id")
    )
