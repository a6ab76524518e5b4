"""Deferred orders: a client asks to come back to an order on a day. The day is set on the new
order's form, changed or lifted on its page and through the API, shown in the list's own filter,
and its owner gets one reminder task on the day that follows the deferral."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.activities.models import Task
from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def bolts(tenant_a):
    with tenant_a.active():
        product = product_save(product=None, data={"sku": "DF-1", "name": "Deferred bolts"})
        retail = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        prices_set(price_list=retail, prices={product.pk: Decimal("5")})
    return product


def reminder(order):
    return Task.objects.get(source_key=f"order-deferred-{order.pk}")


def test_the_new_order_form_defers_and_the_owner_is_reminded_on_the_day(tenant_a, bolts):
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        buyer = contact_create(actor=rep, data={"first_name": "Later", "last_name": "Buyer"})
    client = tenant_a.client(rep)
    day = timezone.localdate() + timedelta(days=10)
    past = client.post(
        "/orders/new/",
        {
            "contact": buyer.pk,
            "product-0": bolts.pk,
            "quantity-0": "4",
            "deferred_until": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert "Choose today or a later day." in past.content.decode()
    created = client.post(
        "/orders/new/",
        {
            "contact": buyer.pk,
            "product-0": bolts.pk,
            "quantity-0": "4",
            "deferred_until": day.isoformat(),
        },
    )
    assert created.status_code == 302
    with tenant_a.active():
        order = Order.objects.get(contact=buyer)
        assert order.deferred_until == day
        task = reminder(order)
        assert (task.assignee, task.contact, timezone.localtime(task.due_at).date()) == (
            rep,
            buyer,
            day,
        )
        assert task.title == f"Deferred order {order.number}: back to Later Buyer"
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="order-deferred"' in page
    listed = client.get("/orders/?deferred=1").content.decode()
    assert order.number in listed


def test_the_page_moves_and_lifts_the_deferral_and_its_one_reminder(tenant_a, bolts):
    owner = tenant_a.owner()
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Moving"})
        order = order_create(actor=owner, contact=buyer, lines=[LineRequest(bolts, Decimal(1))])
        other = order_create(actor=owner, contact=buyer, lines=[LineRequest(bolts, Decimal(2))])
    client = tenant_a.client(owner)
    first, later = (timezone.localdate() + timedelta(days=n) for n in (3, 20))
    assert client.post(f"/orders/{order.pk}/defer/", {"deferred_until": first}).status_code == 302
    assert client.post(f"/orders/{order.pk}/defer/", {"deferred_until": later}).status_code == 302
    with tenant_a.active():
        assert Task.objects.filter(source_key__startswith="order-deferred-").count() == 1
        assert timezone.localtime(reminder(order).due_at).date() == later
    listed = client.get("/orders/?deferred=1").content.decode()
    assert order.number in listed
    assert other.number not in listed
    assert client.post(f"/orders/{order.pk}/defer/", {"deferred_until": ""}).status_code == 302
    with tenant_a.active():
        order.refresh_from_db()
        assert order.deferred_until is None
        assert reminder(order).done_at is not None
    assert order.number not in client.get("/orders/?deferred=1").content.decode()


def test_the_api_defers_only_orders_still_to_be_fulfilled(tenant_a, bolts):
    owner = tenant_a.owner()
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Api"})
        order = order_create(actor=owner, contact=buyer, lines=[LineRequest(bolts, Decimal(1))])
    api = tenant_a.client(owner)
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    url = f"/api/v1/orders/{order.pk}/defer/"
    deferred = api.post(url, {"deferred_until": day}, content_type="application/json")
    assert deferred.status_code == 200, deferred.content
    assert deferred.json()["deferred_until"] == day
    unknown = api.post(url, {"until": day}, content_type="application/json")
    assert unknown.json() == {"until": ["Unknown field."]}
    with tenant_a.active():
        for status in ("placed", "paid", "shipped"):
            order_status_change(actor=owner, order=order, status=status)
    shipped = api.post(url, {"deferred_until": day}, content_type="application/json")
    assert shipped.json() == {"deferred_until": ["Only a draft or placed order can be deferred."]}
