"""/ws/search/reindex/: a rebuild's progress for the admins watching the search index page."""

from __future__ import annotations

from typing import Any

from search.services import reindex_group, reindex_state
from tenants.identity.models import User
from tenants.websocket import JobConsumer


class ReindexConsumer(JobConsumer):
    def groups_for(self, user: User, **route: Any) -> list[str] | None:
        return [reindex_group()] if user.can_manage_team else None

    def running(self) -> bool:
        return reindex_state() is not None
