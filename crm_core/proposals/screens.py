"""What a client's card shows of the way to a proposal (the card of a contact and a company
render it; the pages of the parties domain call this)."""

from __future__ import annotations

from typing import Any

from crm_core.deals.models import Deal
from crm_core.parties.models import Company
from crm_core.proposals.drafting import proposals_visible
from crm_core.proposals.forms import OverrideForm
from crm_core.proposals.models import DocumentPackage, DocumentTemplate
from crm_core.proposals.selectors import Client, gates, offer_for
from crm_core.proposals.templating import GENERATED, documents_of
from tenants.identity.models import User


def gates_context(client: Client, user: User) -> dict[str, Any]:
    found = gates(client)
    mine = {"company": client} if isinstance(client, Company) else {"contact": client}
    proposals = list(proposals_visible(user=user).filter(**mine)[:10])
    return {
        "proposals": proposals,
        # documents are made from proposals: none to read for a client without one
        "documents": list(
            documents_of(**mine).filter(proposal__in=proposals_visible(user=user))[:10]
        )
        if proposals
        else [],
        "proposal_gates": found,
        "gate_override_form": OverrideForm(prefix=None),
        # what the segment's offer matrix proposes, once the way to a proposal is open
        "offer": offer_for(client, found.card) if found.open else None,
    }


def deal_documents_context(deal: Deal, user: User) -> dict[str, Any]:
    """What a deal's page shows of its proposals and their documents (what the reader sees)."""
    proposals = list(proposals_visible(user=user).filter(deal=deal)[:10])
    if not proposals:
        return {"deal_proposals": []}
    return {
        "deal_proposals": proposals,
        "documents": list(documents_of(proposal__in=proposals)[:20]),
        "document_kinds": [(kind, DocumentTemplate.Kind(kind).label) for kind in GENERATED],
        # the deal's packages made from what the reader sees
        "packages": list(
            DocumentPackage.objects.filter(deal=deal, proposal__in=proposals_visible(user=user))[:5]
        ),
    }
