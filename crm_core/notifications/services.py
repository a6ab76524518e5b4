"""Notifications: written with the change that causes them, pushed to the bell after commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from crm_core.notifications.models import Notification
from tenants.identity.models import User
from tenants.realtime import broadcast_after_commit, broadcast_each_after_commit, group_name


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    params: dict[str, Any],
    url: str,
    actor: User | None = None,
) -> list[Notification]:
    """Tell each active staff recipient, except the actor (nobody is told of their own move)."""
    users = {
        user.pk: user
        for user in recipients
        if user is not None
        and user.is_active
        and user.is_staff_member
        and (actor is None or user.pk != actor.pk)
    }
    notifications = Notification.objects.bulk_create(
        Notification(recipient_id=pk, kind=kind, params=params, url=url, actor=actor)
        for pk in users
    )
    for notification in notifications:
        broadcast_after_commit(
            [group_name("user", notification.recipient_id)],
            {"type": "notification", "id": notification.pk},
        )
    return notifications


@dataclass(frozen=True)
class Notice:
    """One notification to write in a batch: to whom, of which kind, saying what."""

    recipients: tuple[User, ...]
    kind: str
    params: dict[str, Any]
    url: str


def notify_many(notices: Iterable[Notice]) -> list[Notification]:
    """Many notifications (as a job writes them: the goals' refresh) in one insert, each
    recipient's bell pushed once, for the newest of theirs."""
    rows = [
        Notification(recipient_id=user.pk, kind=notice.kind, params=notice.params, url=notice.url)
        for notice in notices
        for user in {user.pk: user for user in notice.recipients}.values()
        if user.is_active and user.is_staff_member
    ]
    notifications = Notification.objects.bulk_create(rows)
    newest = {notification.recipient_id: notification.pk for notification in notifications}
    broadcast_each_after_commit(
        (group_name("user", recipient), {"type": "notification", "id": pk})
        for recipient, pk in newest.items()
    )
    return notifications


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them without `ids`); other tabs follow."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    count = unread.update(read_at=timezone.now())
    if count:
        broadcast_after_commit([group_name("user", user.pk)], {"type": "notification.read"})
    return count
