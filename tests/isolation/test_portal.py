"""Portal isolation: a customer walks every portal page and portal API route with the ids of
another customer of the same company, and with those of a customer of another company; nothing
of theirs shows and nothing of theirs changes (a foreign id answers 404, as a missing one)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.support.models import SupportTopic, Ticket
from portal.models import Address, CartLine
from portal.services.accounts import EMAIL_CHANGE, _token
from portal.services.support import request_open
from tenants.identity.services.tokens import api_token_create
from tests.isolation.routes import PORTAL, PORTAL_API, ROUTES
from tests.isolation.test_tenant_routes import call, url_for
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


def customer_with_records(handle, capture, *, email: str, name: str, marker: str) -> dict:
    account = make_customer(handle, capture, email=email, name=name)
    with handle.active():
        # the catalogue is the company's, not the customer's: no marker on the product
        product = product_save(product=None, data={"sku": f"KIT-{name[:4]}", "name": "Kit"})
        price_list = price_list_save(
            price_list=None,
            data={"name": f"{marker} prices", "currency": "EUR", "is_default": True},
        )
        prices_set(price_list=price_list, prices={product.pk: Decimal("5")})
        order = order_create(
            actor=None, contact=account.contact, lines=[LineRequest(product, Decimal(1))]
        )
        Order.objects.filter(pk=order.pk).update(
            status="placed", shipping_address=f"{marker} street"
        )
        topic = SupportTopic.objects.get_or_create(name="General")[0]
        ticket = request_open(
            account=account,
            topic=topic,
            subject=f"{marker} question",
            body=f"{marker} body",
            files=[SimpleUploadedFile(f"{marker}.txt", f"{marker} file".encode())],
        )
        attachment = ticket.messages.get().interaction.attachments.get()
        address = Address.objects.get(contact=account.contact)
        CartLine.objects.create(account=account, product=product, quantity=2)
    return {
        "account": account,
        "marker": marker,
        "order": {"pk": order.pk},
        "ticket": {"pk": ticket.pk},
        "product": {"pk": product.pk},
        "address": {"pk": address.pk},
        "attachment_uuid": {"uuid": attachment.uuid},
        "portal_email_token": {
            "token": _token(account.user, EMAIL_CHANGE, f"{marker.lower()}@new.test")
        },
    }


def walk(client, other: dict, shared: tuple[str, ...] = ()) -> None:
    """Every portal route with `other`'s ids; record ids answer 404 except the `shared` ones
    (a link with another's signed token just says it is not valid)."""
    shared = (*shared, "portal_email_token")
    for name, route in ROUTES.items():
        if route.kind not in (PORTAL, PORTAL_API):
            continue
        url = url_for(name, route, other)
        for method in route.methods:
            response = call(client, method, url)
            body = response.content.decode(errors="replace")
            assert other["marker"] not in body, f"{method.upper()} {url} shows the other's data"
            if route.kwargs and route.kwargs not in shared and method == "get":
                assert response.status_code == 404, f"GET {url}: {response.status_code}"


def assert_untouched(handle, other: dict) -> None:
    with handle.active():
        order = Order.objects.get(pk=other["order"]["pk"])
        assert (order.status, order.shipping_address) == ("placed", f"{other['marker']} street")
        ticket = Ticket.objects.get(pk=other["ticket"]["pk"])
        assert ticket.status == "new"
        assert ticket.messages.count() == 1
        assert Address.objects.filter(pk=other["address"]["pk"]).exists()
        assert CartLine.objects.get(account=other["account"]).quantity == 2
        user = other["account"].user
        user.refresh_from_db()
        assert user.email == other["account"].user.email


def test_two_customers_of_one_company(tenant_a, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    carol = customer_with_records(
        tenant_a, capture, email="carol@iso.test", name="Carol Iso", marker="Caracal"
    )
    otto = customer_with_records(
        tenant_a, capture, email="otto@iso.test", name="Otto Iso", marker="Ocelot"
    )
    walk(tenant_a.client(carol["account"].user), otto, shared=("product",))
    assert_untouched(tenant_a, otto)


def test_a_customer_of_another_company(tenant_a, tenant_b, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    carol = customer_with_records(
        tenant_a, capture, email="carol@iso.test", name="Carol Iso", marker="Caracal"
    )
    bruno = customer_with_records(
        tenant_b, capture, email="bruno@iso.test", name="Bruno Iso", marker="Bongo"
    )
    walk(tenant_a.client(carol["account"].user), bruno)
    assert_untouched(tenant_b, bruno)
    # Carol's session cookie on B's host is nobody there
    client = tenant_b.client()
    client.cookies["sessionid"] = tenant_a.client(carol["account"].user).cookies["sessionid"].value
    assert client.get("/portal/orders/")["Location"].startswith("/portal/login/")


def test_staff_tokens_reach_no_portal_api_route(tenant_a):
    with tenant_a.active():
        _token_row, raw = api_token_create(user=tenant_a.owner(), name="staff")
    client = tenant_a.client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for name, route in ROUTES.items():
        if route.kind == PORTAL_API and not route.kwargs:
            assert client.get(url_for(name, route, {})).status_code == 403, name
