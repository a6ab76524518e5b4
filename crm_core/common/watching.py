"""Watching a background job kept as a row (an import, an export, a document package) over a
websocket: the domains' consumers name the row's getter and their group."""

from __future__ import annotations

from typing import Any, ClassVar

from crm_core.common.visibility import can_open
from tenants.identity.models import User
from tenants.realtime import group_name
from tenants.websocket import JobConsumer


class StoredJobConsumer(JobConsumer):
    """The progress of a job kept as a row: whoever may open the row over HTTP (`getter`)
    may watch it, in the group `<group>.<pk>`."""

    getter: ClassVar[Any]
    group: ClassVar[str]

    def groups_for(self, user: User, pk: int, **route: Any) -> list[str] | None:  # type: ignore[override]  # its route's kwargs
        if not can_open(type(self).getter, user, pk):
            return None
        self.job_id = pk
        return [group_name(self.group, pk)]

    def running(self) -> bool:
        return type(self).getter(user=self.user, pk=self.job_id).is_running
