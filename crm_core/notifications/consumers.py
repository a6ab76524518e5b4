from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from crm_core.notifications.selectors import notifications_for, unread_count
from tenants.identity.models import User
from tenants.websocket import TenantConsumer


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
