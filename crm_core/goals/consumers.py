from __future__ import annotations

from typing import Any

from tenants.identity.models import User
from tenants.websocket import TenantConsumer


class GoalsConsumer(TenantConsumer):
    """/ws/goals/: "your goals moved" (the page reads them again under its reader's
    visibility; the event carries no figure)."""

    event_types = frozenset({"goals"})

    def groups_for(self, user: User, **route: Any) -> list[str]:
        return []  # the user's own group, which every socket joins

    async def prepare(self, event: dict) -> dict | None:
        return {"type": "goals"}
