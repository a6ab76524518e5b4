from __future__ import annotations

from typing import Any

from crm_core.deals.live import deal_board_groups_for
from crm_core.deals.models import Pipeline
from tenants.identity.models import User
from tenants.websocket import TenantConsumer


class DealBoardConsumer(TenantConsumer):
    """/ws/deals/board/<pipeline>/: moves and edits of the deals this user sees on the board."""

    event_types = frozenset({"deal.changed"})

    def groups_for(self, user: User, pipeline: int, **route: Any) -> list[str] | None:  # type: ignore[override]  # its route's kwargs
        if not Pipeline.objects.filter(pk=pipeline).exists():
            return None
        return deal_board_groups_for(user, pipeline)
