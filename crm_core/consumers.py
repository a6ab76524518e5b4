"""The CRM's websockets: the bell, the deal board, one record's page, a job's progress.

Each joins only groups of things its user may load over HTTP (the same selectors decide), and
sends the page little more than "this changed": the page refetches the fragment itself, so
what it shows always comes through the visibility rules of the HTTP views.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from crm_core.jobs.selectors import export_get_for_user, import_get_for_user
from crm_core.live import deal_board_groups_for, record_group
from crm_core.models import Pipeline
from crm_core.selectors.deals import deal_get_for_user
from crm_core.selectors.notifications import notifications_for, unread_count
from crm_core.selectors.parties import company_get_for_user, contact_get_for_user
from crm_core.selectors.visibility import visible_owner
from tenants.identity.models import User
from tenants.realtime import EVENT, group_name
from tenants.websocket import JobConsumer, TenantConsumer

PRESENCE_STATES = ("viewing", "editing")


def _visible(getter, user: User, pk: int) -> bool:
    try:
        getter(user=user, pk=pk)
    except Http404:
        return False
    return True


class NotificationConsumer(TenantConsumer):
    """/ws/notifications/: the bell's count and each new notification, in the reader's language."""

    event_types = frozenset({"notification", "notification.read"})

    def groups_for(self, user: User, **route: Any) -> list[str]:
        return []  # the user's own group, which every socket joins

    def _state(self, notification_id: int | None = None) -> dict:
        language = self.user.language or settings.LANGUAGE_CODE
        state: dict[str, Any] = {"unread": unread_count(user=self.user)}
        notification = (
            notifications_for(user=self.user).filter(pk=notification_id).first()
            if notification_id
            else None
        )
        if notification is not None:
            with translation.override(language):
                state.update(
                    id=notification.pk,
                    text=notification.text,
                    icon=notification.icon,
                    url=reverse("notification_open", args=[notification.pk]),
                )
        return state

    async def on_connected(self) -> None:
        await self.send_event({"type": "notifications", **await self.in_tenant(self._state)})

    async def prepare(self, event: dict) -> dict | None:
        if event["type"] == "notification":
            state = await self.in_tenant(self._state, event["id"])
            return {"type": "notification", **state} if "id" in state else None
        return {"type": "notifications", **await self.in_tenant(self._state)}


class DealBoardConsumer(TenantConsumer):
    """/ws/deals/board/<pipeline>/: moves and edits of the deals this user sees on the board."""

    event_types = frozenset({"deal.changed"})

    def groups_for(self, user: User, pipeline: int, **route: Any) -> list[str] | None:
        if not Pipeline.objects.filter(pk=pipeline).exists():
            return None
        return deal_board_groups_for(user, pipeline)


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

    def groups_for(self, user: User, kind: str, pk: int, **route: Any) -> list[str] | None:
        if not _visible(self.getters[kind], user, pk):
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


class StoredJobConsumer(JobConsumer):
    """The progress of a job kept as a row: whoever may open the row over HTTP (`getter`)
    may watch it, in the group `<group>.<pk>`."""

    getter: ClassVar[Any]
    group: ClassVar[str]

    def groups_for(self, user: User, pk: int, **route: Any) -> list[str] | None:
        if not _visible(type(self).getter, user, pk):
            return None
        self.job_id = pk
        return [group_name(self.group, pk)]

    def running(self) -> bool:
        return type(self).getter(user=self.user, pk=self.job_id).is_running


class ImportConsumer(StoredJobConsumer):
    """/ws/imports/<pk>/: rows read so far, then "finished", for the import's page."""

    getter = import_get_for_user
    group = "import"


class ExportConsumer(StoredJobConsumer):
    """/ws/exports/<pk>/: rows written so far, then "finished", for the export's page (only
    the user who asked for the export may watch it, as only they may download it)."""

    getter = export_get_for_user
    group = "export"
