"""Notifications: what creates them, the bell's pages and the API."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from crm_core.activities.services import task_create, task_reminders_send
from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.services import contact_create
from crm_core.support.services import ticket_open
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def _kinds(tenant, user) -> list[str]:
    with tenant.active():
        return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_portal_orders_and_requests_tell_the_clients_manager_staff_ones_do_not(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        bolts = product_save(product=None, data={"sku": "B-1", "name": "Bolts"})
        prices = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        prices_set(price_list=prices, prices={bolts.pk: Decimal("5")})
        client = contact_create(actor=owner, data={"first_name": "Petr", "owner": rep})
        order_create(actor=owner, contact=client, lines=[LineRequest(bolts, Decimal(1))])
        assert not Notification.objects.filter(recipient=rep).exists()

        order = order_create(
            actor=None,
            contact=client,
            lines=[LineRequest(bolts, Decimal(3))],
            source=Order.Source.PORTAL,
        )
        ticket = ticket_open(
            actor=None, contact=client, subject="Late delivery", body="Where?", source="portal"
        )
        ordered, asked = Notification.objects.filter(recipient=rep).order_by("created_at", "id")
    assert ordered.text == f"Petr placed order {order.number} in the portal"
    assert ordered.url == f"/orders/{order.pk}/"
    assert asked.text == f"Petr opened request {ticket.number}: Late delivery"
    assert _kinds(tenant_a, owner) == []


def test_a_due_reminder_is_mailed_and_rings_the_bell_once(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    now = timezone.now()
    with tenant_a.active():
        task_create(
            actor=rep,
            data={
                "title": "Call back",
                "due_at": now + timedelta(hours=1),
                "remind_at": now - timedelta(minutes=1),
            },
        )
        assert task_reminders_send(now=now) == 1
        assert task_reminders_send(now=now) == 0
    assert len(mail.outbox) == 1
    assert _kinds(tenant_a, rep) == [Notification.Kind.TASK_REMINDER]


def test_the_bell_menu_opens_a_notification_and_marks_all_read(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        first = task_create(
            actor=owner, assignee=rep, data={"title": "First", "due_at": timezone.now()}
        )
        task_create(actor=owner, assignee=rep, data={"title": "Second", "due_at": timezone.now()})
        opened = Notification.objects.get(recipient=rep, params__title="First")
    client = tenant_a.client(rep)

    page = client.get("/contacts/").content.decode()
    assert 'data-testid="notification-count">2<' in page

    menu = client.get("/notifications/menu/").content.decode()
    assert "Alice Alpha assigned you a task: Second" in menu
    assert menu.index("Second") < menu.index("First")  # newest first

    response = client.get(f"/notifications/{opened.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{first.pk}/"
    with tenant_a.active():
        assert Notification.objects.filter(recipient=rep, read_at=None).count() == 1

    assert client.get("/notifications/?unread=1").content.decode().count("Second") == 1
    assert client.post("/notifications/read/").status_code == 302
    with tenant_a.active():
        assert not Notification.objects.filter(recipient=rep, read_at=None).exists()
    assert "Everything is read." in client.get("/notifications/?unread=1").content.decode()


def test_only_the_recipient_opens_a_notification_and_only_to_a_path_here(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        (theirs,) = notify(
            recipients=[rep],
            kind=Notification.Kind.DEAL_MOVED,
            params={"actor": "X", "title": "Y", "stage": "Z"},
            url="https://evil.example/phish",
        )
    assert tenant_a.client(owner).get(f"/notifications/{theirs.pk}/open/").status_code == 404
    response = tenant_a.client(rep).get(f"/notifications/{theirs.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_the_api_lists_unread_and_marks_read_with_field_errors_for_bad_input(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        for title in ("One", "Two", "Three"):
            task_create(actor=owner, assignee=rep, data={"title": title, "due_at": timezone.now()})
        ids = list(
            Notification.objects.filter(recipient=rep).order_by("id").values_list("pk", flat=True)
        )
    api = tenant_a.client(rep)

    listed = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [item["params"]["title"] for item in listed] == ["Three", "Two", "One"]
    assert listed[0]["text"] == "Alice Alpha assigned you a task: Three"
    assert listed[0]["kind"] == "task_assigned"

    read = api.post(f"/api/v1/notifications/{ids[0]}/read/").json()
    assert read["read_at"] is not None

    bad = api.post("/api/v1/notifications/read/", {"ids": ["x"]}, content_type="application/json")
    assert bad.status_code == 400
    assert "ids" in bad.json()
    assert api.get("/api/v1/notifications/?unread=true").json()["results"][-1]["id"] == ids[1]

    done = api.post(
        "/api/v1/notifications/read/", {"ids": [ids[1]]}, content_type="application/json"
    )
    assert done.json() == {"unread": 1}
    everything = api.post("/api/v1/notifications/read/", {}, content_type="application/json")
    assert everything.json() == {"unread": 0}
    assert tenant_a.client(owner).post(f"/api/v1/notifications/{ids[2]}/read/").status_code == 404
