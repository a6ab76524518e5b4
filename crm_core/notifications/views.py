"""The bell: its dropdown, the full list, opening a notification, marking them read."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from crm_core.common.redirects import local_path
from crm_core.notifications.selectors import (
    MENU_SIZE,
    notification_get_for_user,
    notifications_for,
    unread_count,
)
from crm_core.notifications.services import notifications_mark_read
from tenants.typing import StaffRequest

PAGE_SIZE = 30


def notification_list(request: StaffRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(
        notifications_for(user=request.user, unread_only=unread_only), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "crm_core/notifications/notification_list.html",
        {"page": page, "unread_only": unread_only, "unread": unread_count(user=request.user)},
    )


def notification_menu(request: StaffRequest) -> HttpResponse:
    """The bell's dropdown, loaded when it opens."""
    return render(
        request,
        "crm_core/notifications/_notification_menu.html",
        {
            "notifications": list(notifications_for(user=request.user)[:MENU_SIZE]),
            "unread": unread_count(user=request.user),
        },
    )


def notification_open(request: StaffRequest, pk: int) -> HttpResponse:
    """Read it and go to what it is about (only ever a path on this host)."""
    notification = notification_get_for_user(user=request.user, pk=pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    return redirect(local_path(request, notification.url, reverse("notification_list")))


@require_POST
def notifications_read(request: StaffRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    if request.htmx:
        return notification_menu(request)
    return redirect("notification_list")
