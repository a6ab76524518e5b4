"""The CRM's websockets: the bell, the deal board, one record's page, a job's progress.

Each joins only groups of things its user may load over HTTP (the same selectors decide), and
sends the page little more than "this changed": the page refetches the fragment itself, so
what it shows always comes through the visibility rules of the HTTP views.
"""

from __future__ import annotations

from typing import Any, ClassVar

from crm_core.common.live import record_group
from crm_core.common.visibility import can_open, visible_owner
from crm_core.deals.selectors import deal_get_for_user
from crm_core.parties.selectors import company_get_for_user, contact_get_for_user
from tenants.identity.models import User
from tenants.realtime import EVENT
from tenants.websocket import TenantConsumer

PRESENCE_STATES = ("viewing", "editing")


class RecordConsumer(TenantConsumer):
    """/ws/<kind>/<pk>/: changes to one contact, company or deal, and who else has it open.

    Presence needs no stored state: a newcomer announces itself with its channel, and each
    open page answers it directly; pages that close say so. `?state=editing` opens an editor.
    """

    event_types = frozenset({"record.changed", "presence"})
    state = "viewing"
    commands: ClassVar[dict[str, str]] = {"ping": "on_ping", "presence": "on_presence"}
    getters: ClassVar[dict[str, Any]] = {
        "contact": contact_get_for_user,
        "company": company_get_for_user,
        "deal": deal_get_for_user,
    }

    def groups_for(self, user: User, kind: str, pk: int, **route: Any) -> list[str] | None:  # type: ignore[override]  # its route's kwargs
        if not can_open(self.getters[kind], user, pk):
            return None
        return [record_group(kind, pk)]

    @property
    def record_group(self) -> str:
        return self.groups[0]

    def _presence(self, state: str, **extra: Any) -> dict:
        return {
            "type": "presence",
            "user": self.user.pk,
            "name": self.user.full_name,
            "state": state,
            **extra,
        }

    async def on_connected(self) -> None:
        query = self.scope.get("query_string", b"").decode()
        self.state = "editing" if "state=editing" in query else "viewing"
        await self.channel_layer.group_send(
            self.record_group,
            {"type": EVENT, "event": self._presence(self.state, reply_to=self.channel_name)},
        )

    async def on_disconnected(self) -> None:
        if self.groups:
            await self.channel_layer.group_send(
                self.record_group, {"type": EVENT, "event": self._presence("left")}
            )

    async def on_presence(self, data: dict) -> None:
        state = data.get("state")
        if state not in PRESENCE_STATES:
            return
        self.state = state
        await self.channel_layer.group_send(
            self.record_group, {"type": EVENT, "event": self._presence(state)}
        )

    async def prepare(self, event: dict) -> dict | None:
        if event["type"] == "presence":
            if event["user"] == self.user.pk:
                return None  # one's own other tabs are not "someone else"
            reply_to = event.pop("reply_to", None)
            if reply_to:
                await self.channel_layer.send(
                    reply_to, {"type": EVENT, "event": self._presence(self.state)}
                )
            return event
        if event.get("part") == "record" and event.get("actor") == self.user.pk:
            return None  # the editor already sees what they saved
        seen_by = event.pop("seen_by", None)
        if seen_by is not None and not visible_owner(self.user, *seen_by):
            return None  # about a record (a deal, a colleague's contact) this reader cannot see
        return event
