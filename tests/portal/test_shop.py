"""The customer's shop: catalogue from their own price list, cart kept across sessions,
checkout priced on the server, order history, reorder, invoices; and what staff see of it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    order_status_change,
    price_list_save,
    prices_set,
    product_image_set,
    product_save,
)
from crm_core.notifications.models import Notification
from crm_core.parties.services import contact_create
from crm_core.segments.models import Segment
from portal.models import Address, CartLine
from tests.conftest import PASSWORD
from tests.pictures import picture_bytes, picture_upload

pytestmark = pytest.mark.django_db


def add(client, product, quantity=1):
    return client.post("/portal/cart/add/", {"product": product.pk, "quantity": quantity})


def test_catalogue_shows_the_customers_own_prices(tenant_a, customer, catalogue_a):
    client = tenant_a.client(customer.user)
    page = client.get("/portal/catalogue/").content.decode()
    assert "Steel bolts" in page
    assert "10.50" in page
    assert "Unpriced thing" not in page
    found = client.get("/portal/catalogue/?q=brass").content.decode()
    assert "Brass nuts" in found
    assert "Steel bolts" not in found
    # a segment's own list (in another currency) wins over the default
    with tenant_a.active():
        wholesale = Segment.objects.create(name="Wholesale")
        price_list = price_list_save(
            price_list=None, data={"name": "Wholesale EUR", "currency": "EUR", "segment": wholesale}
        )
        prices_set(price_list=price_list, prices={catalogue_a["bolts"].pk: Decimal("0.90")})
        customer.contact.segment = wholesale
        customer.contact.save()
    page = client.get("/portal/catalogue/").content.decode()
    assert "0.90 EUR" in page
    assert "Brass nuts" not in page
    assert client.get(f"/portal/catalogue/{catalogue_a['nuts'].pk}/").status_code == 404


def test_cart_checkout_and_what_staff_see(tenant_a, customer, catalogue_a):
    client = tenant_a.client(customer.user)
    add(client, catalogue_a["bolts"], 2)
    add(client, catalogue_a["nuts"], 1)
    add(client, catalogue_a["bolts"], 1)
    # kept in the database: a new session of the same customer sees it
    other_device = tenant_a.client()
    other_device.post("/portal/login/", {"username": customer.user.email, "password": PASSWORD})
    cart = other_device.get("/portal/cart/").content.decode()
    assert "34.50" in cart  # 3 × 10.50 + 3
    with tenant_a.active():
        address = Address.objects.get(contact=customer.contact)
    # a tampered price or total in the form changes nothing
    placed = client.post(
        "/portal/checkout/",
        {"address": address.pk, "notes": "Ring twice", "price": "0.01", "total": "1"},
    )
    with tenant_a.active():
        order = Order.objects.get(contact=customer.contact)
        assert placed["Location"] == f"/portal/orders/{order.pk}/"
        assert (order.status, order.source, order.payment_method) == ("placed", "portal", "invoice")
        assert order.total == Decimal("34.50")
        assert order.paid_at is None
        assert "1 Main St" in order.shipping_address
        assert not CartLine.objects.filter(account=customer).exists()
        assert Interaction.objects.filter(
            contact=customer.contact, channel="order", subject__contains=order.number
        ).exists()
        assert Notification.objects.filter(
            kind="portal_order", recipient=customer.contact.owner
        ).exists()
    detail = client.get(f"/portal/orders/{order.pk}/").content.decode()
    assert "not paid yet" in detail
    assert "Ring twice" not in detail
    # staff move it along; the customer's timeline follows
    with tenant_a.active():
        order_status_change(actor=tenant_a.owner(), order=order, status="paid")
    detail = client.get(f"/portal/orders/{order.pk}/").content.decode()
    assert "not paid yet" not in detail
    staff = tenant_a.client(tenant_a.owner()).get(f"/orders/{order.pk}/").content.decode()
    assert "Portal" in staff
    assert "34.50" in staff


def test_checkout_refuses_what_is_no_longer_on_sale_and_keeps_the_cart(
    tenant_a, customer, catalogue_a
):
    client = tenant_a.client(customer.user)
    add(client, catalogue_a["bolts"])
    with tenant_a.active():
        catalogue_a["bolts"].is_active = False
        catalogue_a["bolts"].save()
        address = Address.objects.get(contact=customer.contact)
    response = client.post("/portal/checkout/", {"address": address.pk}, follow=True)
    assert "no longer on sale" in response.content.decode()
    with tenant_a.active():
        assert not Order.objects.filter(contact=customer.contact).exists()
        assert CartLine.objects.filter(account=customer).count() == 1


def test_bad_cart_input_is_refused(tenant_a, customer, catalogue_a):
    client = tenant_a.client(customer.user)
    hidden = tenant_a.client(customer.user)
    refused = hidden.post("/portal/cart/add/", {"product": catalogue_a["hidden"].pk}, follow=True)
    assert "This product is not on sale" in refused.content.decode()
    add(client, catalogue_a["bolts"])
    too_many = client.post(
        "/portal/cart/", {f"quantity-{catalogue_a['bolts'].pk}": "5000"}, follow=True
    )
    assert "Between 1 and 999" in too_many.content.decode()
    words = client.post("/portal/cart/", {f"quantity-{catalogue_a['bolts'].pk}": "x"}, follow=True)
    assert "whole number" in words.content.decode()
    with tenant_a.active():
        assert CartLine.objects.get(account=customer).quantity == 1
    # another person's address cannot be used at checkout
    with tenant_a.active():
        stranger = contact_create(actor=tenant_a.owner(), data={"first_name": "Stranger"})
        foreign = Address.objects.create(contact=stranger, recipient="X", line1="Y", city="Z")
    refused = client.post("/portal/checkout/", {"address": foreign.pk})
    assert refused.status_code == 200
    assert "address" in refused.context["form"].errors
    with tenant_a.active():
        assert not Order.objects.filter(contact=customer.contact).exists()


def test_order_history_reorder_and_invoice(tenant_a, customer, catalogue_a):
    client = tenant_a.client(customer.user)
    add(client, catalogue_a["bolts"], 2)
    with tenant_a.active():
        address = Address.objects.get(contact=customer.contact)
    client.post("/portal/checkout/", {"address": address.pk})
    with tenant_a.active():
        order = Order.objects.get(contact=customer.contact)
    listing = client.get("/portal/orders/").content.decode()
    assert order.number in listing
    client.post(f"/portal/orders/{order.pk}/reorder/")
    with tenant_a.active():
        assert CartLine.objects.get(account=customer).quantity == 2
    invoice = client.get(f"/portal/orders/{order.pk}/invoice.pdf")
    assert invoice["Content-Type"] == "application/pdf"
    assert invoice.content.startswith(b"%PDF")
    staff_invoice = tenant_a.client(tenant_a.owner()).get(f"/orders/{order.pk}/invoice.pdf")
    assert staff_invoice.content.startswith(b"%PDF")


def test_recommendations_leave_out_what_was_bought(tenant_a, customer, catalogue_a):
    owner = tenant_a.client(tenant_a.owner())
    with tenant_a.active():
        segment = Segment.objects.create(name="Garages")
        customer.contact.segment = segment
        customer.contact.save()
    owner.post(
        f"/settings/portal/recommendations/{segment.pk}/",
        {f"s{segment.pk}-products": [catalogue_a["bolts"].pk, catalogue_a["nuts"].pk]},
    )
    client = tenant_a.client(customer.user)
    home = client.get("/portal/").content.decode()
    assert "Recommended for you" in home
    assert "Steel bolts" in home
    assert "Brass nuts" in home
    prices = re.findall(r'data-testid="product-price">([^<]*)<', home)
    assert prices
    assert all(price.strip().endswith("RUB") for price in prices), prices
    add(client, catalogue_a["bolts"])
    with tenant_a.active():
        address = Address.objects.get(contact=customer.contact)
    client.post("/portal/checkout/", {"address": address.pk})
    home = client.get("/portal/").content.decode()
    recommended = home[home.index("Recommended for you") : home.rindex("</section>")]
    assert "Brass nuts" in recommended
    assert "Steel bolts" not in recommended


def test_the_product_page_shows_the_description_and_the_picture(tenant_a, customer, catalogue_a):
    bolts, hidden = catalogue_a["bolts"], catalogue_a["hidden"]
    with tenant_a.active():
        product_save(product=bolts, data={"description": "Zinc plated.\n\nHundred per box."})
        product_image_set(product=bolts, upload=picture_upload())
        product_image_set(product=hidden, upload=picture_upload())
    client = tenant_a.client(customer.user)
    page = client.get(f"/portal/catalogue/{bolts.pk}/").content.decode()
    assert "<p>Zinc plated.</p>" in page
    assert "<p>Hundred per box.</p>" in page
    assert f"/portal/catalogue/{bolts.pk}/image/?v={bolts.image_key}" in page
    picture = client.get(f"/portal/catalogue/{bolts.pk}/image/")
    assert picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content) == picture_bytes()
    cards = client.get("/portal/catalogue/").content.decode()
    assert f"/portal/catalogue/{bolts.pk}/image/" in cards
    # a product without a price in the customer's list is not theirs to see, picture included
    assert client.get(f"/portal/catalogue/{hidden.pk}/image/").status_code == 404
