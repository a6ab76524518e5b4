"""What a client's card shows of the way to a proposal (the card of a contact and a company
render it; the pages of the parties domain call this)."""

from __future__ import annotations

from typing import Any

from crm_core.proposals.forms import OverrideForm
from crm_core.proposals.selectors import Client, gates, offer_for


def gates_context(client: Client) -> dict[str, Any]:
    found = gates(client)
    return {
        "proposal_gates": found,
        "gate_override_form": OverrideForm(prefix=None),
        # what the segment's offer matrix proposes, once the way to a proposal is open
        "offer": offer_for(client, found.card) if found.open else None,
    }
