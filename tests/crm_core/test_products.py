"""Products edited on their card and through the API (issue 23): name, SKU, unit, category,
description, picture, on sale, cost price; the price in every price list with its margin; the
portal's product page with the description and the picture."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from crm_core.commerce.models import Price, Product
from crm_core.commerce.services import price_list_save, product_image_set, product_save
from crm_core.workspace.services import exchange_rate_add
from tenants.identity.roles import Role
from tests.pictures import picture_bytes, picture_upload

pytestmark = pytest.mark.django_db


def put_file(client, url, upload):
    return client.put(
        url, encode_multipart(BOUNDARY, {"image": upload}), content_type=MULTIPART_CONTENT
    )


@pytest.fixture
def catalogue(tenant_a):
    with tenant_a.active():
        bolts = product_save(product=None, data={"sku": "B-1", "name": "Bolts"})
        retail = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        export = price_list_save(price_list=None, data={"name": "Export", "currency": "EUR"})
    return {"bolts": bolts, "retail": retail, "export": export}


def test_the_card_edits_every_field_and_the_picture(
    tenant_a, catalogue, django_capture_on_commit_callbacks
):
    client = tenant_a.client(tenant_a.owner())
    bolts = catalogue["bolts"]
    page = client.get(f"/products/{bolts.pk}/").content.decode()
    assert 'data-testid="product-card-form"' in page
    assert "What a unit costs the company, in RUB" in page
    response = client.post(
        f"/products/{bolts.pk}/",
        {
            "sku": "B-1",
            "name": "Hex bolts M8",
            "unit": "box",
            "category": "Fasteners",
            "description": "Zinc plated.\n100 per box.",
            "cost_price": "40.50",
            "is_active": "",
            "image": picture_upload("bolts.png"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    with tenant_a.active():
        bolts.refresh_from_db()
        assert (bolts.name, bolts.unit, bolts.category) == ("Hex bolts M8", "box", "Fasteners")
        assert (bolts.cost_price, bolts.is_active) == (Decimal("40.50"), False)
        assert bolts.image.name.startswith(f"products/{bolts.pk}/")
        first_picture = bolts.image.name
    picture = client.get(f"/products/{bolts.pk}/image/")
    assert picture["Content-Type"] == "image/png"
    assert b"".join(picture.streaming_content) == picture_bytes()
    card = client.get(f"/products/{bolts.pk}/").content.decode()
    assert f"/products/{bolts.pk}/image/?v={bolts.image_key}" in card
    assert "Cost price" in card  # the history names the change
    # a new picture replaces the old file once committed; removing it leaves none
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/products/{bolts.pk}/",
            {"sku": "B-1", "name": "Hex bolts M8", "image": picture_upload("new.jpg", "JPEG")},
        )
    with tenant_a.active():
        bolts.refresh_from_db()
        assert bolts.image.name.endswith("/new.jpg")
        assert not bolts.image.storage.exists(first_picture)
    assert client.get(f"/products/{bolts.pk}/image/")["Content-Type"] == "image/jpeg"
    client.post(
        f"/products/{bolts.pk}/", {"sku": "B-1", "name": "Hex bolts M8", "remove_image": "on"}
    )
    with tenant_a.active():
        bolts.refresh_from_db()
        assert not bolts.image
    assert client.get(f"/products/{bolts.pk}/image/").status_code == 404


def test_bad_input_is_named_and_nothing_is_lost(tenant_a, catalogue):
    client = tenant_a.client(tenant_a.owner())
    with tenant_a.active():
        product_save(product=None, data={"sku": "N-1", "name": "Nuts"})
        product_image_set(product=catalogue["bolts"], upload=picture_upload())
        kept = Product.objects.get(sku="B-1").image.name
    bolts = catalogue["bolts"]
    page = client.post(
        f"/products/{bolts.pk}/",
        {
            "sku": "N-1",
            "name": "Renamed",
            "cost_price": "-1",
            "image": SimpleUploadedFile("virus.png", b"<script>alert(1)</script>"),
        },
    ).content.decode()
    assert "Ensure this value is greater than or equal to 0." in page
    page = client.post(
        f"/products/{bolts.pk}/",
        {"sku": "B-1", "name": "Renamed", "image": SimpleUploadedFile("x.png", b"not a picture")},
    ).content.decode()
    assert "Upload a JPEG, PNG, WebP or GIF picture." in page
    page = client.post(f"/products/{bolts.pk}/", {"sku": "N-1", "name": "Renamed"}).content.decode()
    assert "Another product has this SKU." in page
    with tenant_a.active():
        bolts.refresh_from_db()
        assert (bolts.sku, bolts.name, bolts.image.name) == ("B-1", "Bolts", kept)


def test_prices_per_price_list_and_the_margin_over_the_cost(tenant_a, catalogue):
    client = tenant_a.client(tenant_a.owner())
    bolts, retail, export = catalogue["bolts"], catalogue["retail"], catalogue["export"]
    with tenant_a.active():
        product_save(product=bolts, data={"cost_price": Decimal("60")})
    response = client.post(
        f"/products/{bolts.pk}/prices/", {f"price-{retail.pk}": "100", f"price-{export.pk}": "2"}
    )
    assert response.status_code == 302
    with tenant_a.active():
        assert Price.objects.get(product=bolts, price_list=retail).amount == 100
    card = client.get(f"/products/{bolts.pk}/").content.decode()
    assert "40.00 RUB" in card
    assert "40.0%" in card
    assert "No EUR rate on or before" in card  # no rate: the margin is not guessed
    with tenant_a.active():
        exchange_rate_add(currency="EUR", rate=Decimal("100"), valid_from=date(2020, 1, 1))
    card = client.get(f"/products/{bolts.pk}/").content.decode()
    assert "1.40 EUR" in card  # 2 − 60 / 100
    # a bad price is named and no price changes; an empty one takes it out of the list
    client.post(
        f"/products/{bolts.pk}/prices/", {f"price-{retail.pk}": "abc", f"price-{export.pk}": ""}
    )
    with tenant_a.active():
        assert Price.objects.filter(product=bolts).count() == 2
    page = client.get(f"/products/{bolts.pk}/").content.decode()
    assert "Retail: “abc” is not a price." in page
    client.post(
        f"/products/{bolts.pk}/prices/", {f"price-{retail.pk}": "120", f"price-{export.pk}": ""}
    )
    with tenant_a.active():
        assert list(Price.objects.filter(product=bolts).values_list("amount", flat=True)) == [120]


def test_the_api_edits_a_product_its_prices_and_picture(tenant_a, catalogue):
    client = tenant_a.client(tenant_a.owner())
    bolts, retail = catalogue["bolts"], catalogue["retail"]
    url = f"/api/v1/products/{bolts.pk}/"
    changed = client.patch(
        url, {"description": "Zinc", "cost_price": "5.00"}, content_type="application/json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["description"] == "Zinc"
    assert changed.json()["cost_price"] == "5.00"
    refused = client.patch(url, {"colour": "red", "sku": ""}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["colour"] == ["Unknown field."]
    prices = client.put(
        f"{url}prices/",
        {"prices": [{"price_list": retail.pk, "amount": "9.90"}]},
        content_type="application/json",
    )
    assert prices.status_code == 200, prices.content
    assert prices.json()["prices"] == [
        {"price_list": retail.pk, "currency": "RUB", "amount": "9.90"}
    ]
    unknown = client.put(
        f"{url}prices/",
        {"prices": [{"price_list": 999999, "amount": "1"}]},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert unknown.json() == {"prices": ["No such price list: 999999."]}
    picture = put_file(client, f"{url}image/", picture_upload("p.png"))
    assert picture.status_code == 200, picture.content
    assert picture.json()["image"].startswith(f"/products/{bolts.pk}/image/?v=")
    not_a_picture = put_file(client, f"{url}image/", SimpleUploadedFile("a.gif", b"GIF89"))
    assert not_a_picture.status_code == 400
    assert not_a_picture.json() == {"image": ["Upload a JPEG, PNG, WebP or GIF picture."]}
    extra = client.put(
        f"{url}image/",
        encode_multipart(BOUNDARY, {"image": picture_upload(), "alt": "x"}),
        content_type=MULTIPART_CONTENT,
    )
    assert extra.json() == {"alt": ["Unknown field."]}
    assert client.delete(f"{url}image/").json()["image"] is None
    created = client.post(
        "/api/v1/products/",
        {"sku": "W-1", "name": "Washers", "size": 8},
        content_type="application/json",
    )
    assert created.status_code == 400
    assert created.json() == {"size": ["Unknown field."]}


def test_only_catalogue_roles_change_products(tenant_a, catalogue):
    rep = tenant_a.make_user(Role.SALES_REP)
    client = tenant_a.client(rep)
    bolts = catalogue["bolts"]
    page = client.get(f"/products/{bolts.pk}/").content.decode()
    assert "<fieldset disabled>" in page
    assert client.post(f"/products/{bolts.pk}/", {"sku": "B-1", "name": "Mine"}).status_code == 403
    assert client.post(f"/products/{bolts.pk}/prices/", {}).status_code == 403
    assert client.get("/products/new/").status_code == 403
    api = client.patch(
        f"/api/v1/products/{bolts.pk}/", {"name": "Mine"}, content_type="application/json"
    )
    assert api.status_code == 403
    with tenant_a.active():
        assert Product.objects.get(pk=bolts.pk).name == "Bolts"


def test_the_list_searches_and_narrows_to_what_is_on_sale(tenant_a, catalogue):
    with tenant_a.active():
        product_save(product=None, data={"sku": "OLD-1", "name": "Old rivets", "is_active": False})
    client = tenant_a.client(tenant_a.owner())
    page = client.get("/products/", {"q": "rivets"}).content.decode()
    assert "Old rivets" in page
    assert "Bolts" not in page
    page = client.get("/products/", {"active": "1"}).content.decode()
    assert "Old rivets" not in page
    assert "Bolts" in page


def test_the_card_in_russian(tenant_a, catalogue):
    bolts, retail = catalogue["bolts"], catalogue["retail"]
    with tenant_a.active():
        product_save(product=bolts, data={"cost_price": Decimal("1000")})
        Price.objects.create(product=bolts, price_list=retail, amount=Decimal("2500.5"))
    client = tenant_a.client(tenant_a.owner(), HTTP_ACCEPT_LANGUAGE="ru")
    card = client.get(f"/products/{bolts.pk}/").content.decode()
    assert "Себестоимость" in card
    assert "Цена в прайс-листе «Retail»" in card
    assert "1\xa0500,50 RUB" in card  # the margin in the reader's format
    assert "60,0%" in card
