from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from crm_core.notifications.models import Notification
from tenants.identity.models import User

MENU_SIZE = 8


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(recipient=user).select_related("actor")
    return queryset.filter(read_at=None) if unread_only else queryset


def notification_get_for_user(*, user: User, pk: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at=None).count()
