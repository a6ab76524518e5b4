"""/ws/search/reindex/: a rebuild's progress for the admins watching the search index page."""

from __future__ import annotations

from typing import Any

from search.services import reindex_group, reindex_state
from tenants.identity.models import User
from tenants.websocket import TenantConsumer


class ReindexConsumer(TenantConsumer):
    event_types = frozenset({"job.progress", "job.finished"})

    def groups_for(self, user: User, **route: Any) -> list[str] | None:
        return [reindex_group()] if user.can_manage_team else None

    async def on_connected(self) -> None:
        """A rebuild that ended before the page's socket opened still reaches the page."""
        if await self.in_tenant(reindex_state) is None:
            await self.send_event({"type": "job.finished"})
