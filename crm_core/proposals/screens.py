"""What a client's card shows of the way to a proposal (the card of a contact and a company
render it; the pages of the parties domain call this)."""

from __future__ import annotations

from typing import Any

from crm_core.proposals.forms import OverrideForm
from crm_core.proposals.selectors import Client, gates


def gates_context(client: Client) -> dict[str, Any]:
    return {"proposal_gates": gates(client), "gate_override_form": OverrideForm(prefix=None)}
