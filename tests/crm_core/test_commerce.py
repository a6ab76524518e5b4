from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.parties.services import company_create, contact_create
from crm_core.segments.services import segment_save
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(tenant_a):
    with tenant_a.active():
        distributors = segment_save(
            segment=None, data={"name": "Distributors", "applies_to": "company"}
        )
        steel = product_save(product=None, data={"sku": "ST-1", "name": "Steel sheet", "unit": "t"})
        bolts = product_save(product=None, data={"sku": "BT-9", "name": "Bolts"})
        retail = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        wholesale = price_list_save(
            price_list=None,
            data={"name": "Wholesale EUR", "currency": "EUR", "segment": distributors},
        )
        prices_set(price_list=retail, prices={steel.pk: Decimal("1000"), bolts.pk: Decimal("5")})
        prices_set(price_list=wholesale, prices={steel.pk: Decimal("9.50")})
    return {"steel": steel, "bolts": bolts, "distributors": distributors}


def test_prices_come_from_the_clients_segment_and_orders_follow_the_workflow(tenant_a, catalogue):
    owner = tenant_a.owner()
    with tenant_a.active():
        dealer = company_create(
            actor=owner, data={"name": "Dealer", "segment": catalogue["distributors"]}
        )
        buyer = contact_create(actor=owner, data={"first_name": "Bea", "company": dealer})
        walk_in = contact_create(actor=owner, data={"first_name": "Walk-in"})
        wholesale = order_create(
            actor=owner, contact=buyer, lines=[LineRequest(catalogue["steel"], Decimal("2"))]
        )
        retail = order_create(
            actor=owner,
            contact=walk_in,
            lines=[
                LineRequest(catalogue["steel"], Decimal("1")),
                LineRequest(catalogue["bolts"], Decimal("100")),
            ],
        )
        assert (wholesale.currency, wholesale.total) == ("EUR", Decimal("19.00"))
        assert (retail.currency, retail.total) == ("RUB", Decimal("1500.00"))
        assert int(retail.number) == int(wholesale.number) + 1
        for status in ("placed", "paid", "shipped", "delivered"):
            retail = order_status_change(actor=owner, order=retail, status=status)
        stamps = (retail.placed_at, retail.paid_at, retail.shipped_at, retail.delivered_at)
        assert all(stamps)
        with pytest.raises(ValidationError, match="delivered cannot become paid"):
            order_status_change(actor=owner, order=retail, status="paid")
        subjects = list(
            Interaction.objects.filter(contact=walk_in, channel="order").values_list(
                "subject", flat=True
            )
        )
        assert f"Order {retail.number}: delivered" in subjects
        assert len(subjects) == 4


def test_an_order_refuses_unpriced_inactive_and_zero_lines(tenant_a, catalogue):
    owner = tenant_a.owner()
    with tenant_a.active():
        dealer = company_create(
            actor=owner, data={"name": "Dealer", "segment": catalogue["distributors"]}
        )
        buyer = contact_create(actor=owner, data={"first_name": "Bea", "company": dealer})
        product_save(product=catalogue["bolts"], data={"is_active": False})
        with pytest.raises(ValidationError) as error:
            order_create(
                actor=owner,
                contact=buyer,
                lines=[
                    LineRequest(catalogue["bolts"], Decimal("1")),
                    LineRequest(catalogue["steel"], Decimal("0")),
                ],
            )
        assert error.value.message_dict["lines"] == [
            "Bolts is not on sale.",
            "Steel sheet: the quantity must be above zero.",
        ]
        assert not Order.objects.exists()
        with pytest.raises(ValidationError, match="Another product has this SKU"):
            product_save(product=None, data={"sku": "ST-1", "name": "Copy"})


def test_orders_through_the_api_and_pages_with_revenue_on_the_card(tenant_a, catalogue):
    owner = tenant_a.owner()
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Api", "last_name": "Buyer"})
    client = tenant_a.client(owner)
    tampered = client.post(
        "/api/v1/orders/",
        {
            "contact": buyer.pk,
            "lines": [{"product": catalogue["steel"].pk, "quantity": "3", "unit_price": "0.01"}],
        },
        content_type="application/json",
    )
    assert tampered.status_code == 201
    order = tampered.json()
    assert order["total"] == "3000.00"  # the price list decides, not the request
    bad = client.post(
        f"/api/v1/orders/{order['id']}/status/",
        {"status": "shipped"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json() == {"status": ["An order that is draft cannot become shipped."]}
    for status in ("placed", "paid"):
        assert client.post(f"/orders/{order['id']}/status/", {"status": status}).status_code == 302
    card = client.get(f"/contacts/{buyer.pk}/").content.decode()
    assert "3,000 RUB" in card
    assert f"Order {order['number']}: paid" in card
    page = client.post(
        "/orders/new/",
        {"contact": buyer.pk, "product-0": catalogue["bolts"].pk, "quantity-0": "abc"},
    )
    assert "Line 1: choose a product and a quantity." in page.content.decode()
    created = client.post(
        "/orders/new/",
        {"contact": buyer.pk, "product-0": catalogue["bolts"].pk, "quantity-0": "10"},
    )
    assert created.status_code == 302
    assert "50.00 RUB" in client.get(created["Location"]).content.decode()


def test_reps_see_their_clients_orders_and_cannot_change_the_catalogue(tenant_a, catalogue):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        theirs = contact_create(actor=owner, data={"first_name": "Theirs"})
        order = order_create(
            actor=owner, contact=theirs, lines=[LineRequest(catalogue["bolts"], Decimal("1"))]
        )
    client = tenant_a.client(rep)
    assert client.get(f"/api/v1/orders/{order.pk}/").status_code == 404
    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.get("/api/v1/orders/").json()["results"] == []
    assert (
        client.post(
            "/api/v1/products/", {"sku": "X", "name": "X"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.post("/products/", {"sku": "X", "name": "X"}).status_code == 403
    assert client.get("/products/").status_code == 200
