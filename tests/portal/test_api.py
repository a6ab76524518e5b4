"""The portal's JSON API, as a mobile app uses it: a Bearer token from the customer's email and
password, then catalogue, cart, checkout, orders and support requests; bad input gets 400 with
a message per field and changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_core.commerce.models import Order
from crm_core.commerce.services import product_image_set, product_save
from crm_core.support.models import SupportTopic
from portal.models import Address
from tests.conftest import PASSWORD
from tests.pictures import picture_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(tenant_a, customer):
    raw = tenant_a.client().post(
        "/api/v1/auth/token/",
        {"email": customer.user.email, "password": PASSWORD, "name": "Mobile"},
        content_type="application/json",
    )
    assert raw.status_code == 201
    return tenant_a.client(HTTP_AUTHORIZATION=f"Bearer {raw.json()['token']}")


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_shopping_through_the_api(tenant_a, customer, catalogue_a, api):
    me = api.get("/api/v1/portal/me/").json()
    assert me["email"] == "carol@client.test"
    assert me["addresses"][0]["city"] == "Springfield"
    catalog = api.get("/api/v1/portal/catalog/").json()
    assert catalog["currency"] == "RUB"
    assert [item["sku"] for item in catalog["results"]] == ["NUT-1", "BOLT-1"]
    assert (
        post(
            api, "/api/v1/portal/cart/", {"product": catalogue_a["bolts"].pk, "quantity": 2}
        ).status_code
        == 201
    )
    cart = api.get("/api/v1/portal/cart/").json()
    assert cart["total"] == "21.00"
    bad = post(api, "/api/v1/portal/cart/", {"product": catalogue_a["hidden"].pk})
    assert bad.status_code == 400
    assert bad.json() == {"product": ["This product is not on sale."]}
    too_many = post(
        api, "/api/v1/portal/cart/", {"product": catalogue_a["bolts"].pk, "quantity": 5000}
    )
    assert "quantity" in too_many.json()
    no_address = post(api, "/api/v1/portal/cart/checkout/", {"address": 999999})
    assert no_address.status_code == 400
    assert "address" in no_address.json()
    with tenant_a.active():
        address = Address.objects.get(contact=customer.contact)
        assert not Order.objects.filter(contact=customer.contact).exists()
    # the price is the server's: a total sent along is refused, not taken
    priced = post(api, "/api/v1/portal/cart/checkout/", {"address": address.pk, "total": "0.01"})
    assert priced.json() == {"total": ["Unknown field."]}
    placed = post(api, "/api/v1/portal/cart/checkout/", {"address": address.pk})
    assert placed.status_code == 201
    order = placed.json()
    assert (order["status"], order["total"], order["payment_method"]) == (
        "placed",
        "21.00",
        "invoice",
    )
    assert [step["status"] for step in order["steps"]] == ["placed", "paid", "shipped", "delivered"]
    listed = api.get("/api/v1/portal/orders/").json()
    assert [row["number"] for row in listed["results"]] == [order["number"]]
    detail = api.get(f"/api/v1/portal/orders/{order['id']}/").json()
    assert detail["lines"][0]["sku"] == "BOLT-1"
    assert api.get("/api/v1/portal/cart/").json()["lines"] == []


def test_support_through_the_api(tenant_a, customer, api):
    with tenant_a.active():
        topic = SupportTopic.objects.create(name="Billing")
    missing = post(api, "/api/v1/portal/tickets/", {"body": "Hi"})
    assert missing.status_code == 400
    assert "topic" in missing.json()
    opened = post(api, "/api/v1/portal/tickets/", {"topic": topic.pk, "body": "Invoice copy?"})
    assert opened.status_code == 201
    ticket = opened.json()
    assert ticket["subject"] == "Billing"
    replied = post(api, f"/api/v1/portal/tickets/{ticket['id']}/reply/", {"body": "Any news?"})
    assert [m["body"] for m in replied.json()["messages"]] == ["Invoice copy?", "Any news?"]
    assert api.get("/api/v1/portal/tickets/").json()["results"][0]["id"] == ticket["id"]


def test_staff_and_unverified_accounts_are_refused(tenant_a):
    staff = tenant_a.client(tenant_a.owner())
    assert staff.get("/api/v1/portal/me/").status_code == 403
    assert tenant_a.client().get("/api/v1/portal/me/").status_code in (401, 403)


def test_the_catalogue_gives_the_picture_and_never_the_cost(tenant_a, customer, catalogue_a, api):
    bolts = catalogue_a["bolts"]
    with tenant_a.active():
        product_save(product=bolts, data={"cost_price": Decimal("4")})
        product_image_set(product=bolts, upload=picture_upload())
    items = {item["sku"]: item for item in api.get("/api/v1/portal/catalog/").json()["results"]}
    picture = f"/api/v1/portal/catalog/{bolts.pk}/image/?v={bolts.image_key}"
    assert items["BOLT-1"]["image"] == picture
    assert items["NUT-1"]["image"] is None
    assert "cost_price" not in items["BOLT-1"]
    assert api.get(picture)["Content-Type"] == "image/png"
    assert api.get(f"/api/v1/portal/catalog/{catalogue_a['hidden'].pk}/image/").status_code == 404
