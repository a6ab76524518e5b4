"""Company requisites (issue 23): a client company's and the company's own, checked where the
numbers carry a check (ИНН, ОГРН, accounts against the БИК, IBAN, EU VAT numbers), kept the one
way; the invoice PDF carries the seller's and the buyer's, the bank account, the VAT and, for
roubles, the payment QR code."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from crm_core.commerce.invoices import invoice_context
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.common.requisites import requisites_clean
from crm_core.parties.models import Company
from crm_core.parties.services import company_create, contact_create
from crm_core.workspace.services import own_requisites
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

# Sberbank's published details, and an account whose key fits its BIK
SBER = {
    "tax_id": "7707083893",
    "country": "RU",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "bank_name": "ПАО Сбербанк",
    "bic": "044525225",
    "correspondent_account": "30101810400000000225",
    "settlement_account": "40702810600000000012",
}


def problems(values):
    try:
        requisites_clean(values)
    except ValidationError as error:
        return {field: messages[0] for field, messages in error.message_dict.items()}
    return {}


def test_russian_numbers_are_checked_by_their_keys():
    assert problems(SBER) == {}
    assert problems({**SBER, "tax_id": "7707083894"}) == {
        "tax_id": "This INN's check digits do not match."
    }
    assert problems({**SBER, "tax_id": "77070838"}) == {
        "tax_id": "An INN has 10 digits (a company) or 12 (a person)."
    }
    assert problems({**SBER, "ogrn": "1027700132196"})["ogrn"].startswith("An OGRN has 13")
    assert problems({**SBER, "kpp": "77360100"})["kpp"].startswith("A KPP has 9")
    assert problems({**SBER, "bic": "144525225"}) == {
        "bic": "A BIK has 9 digits and starts with 04."
    }
    assert problems({**SBER, "settlement_account": "40702810500000000012"}) == {
        "settlement_account": "This account's check digit does not match the bank's BIK."
    }
    assert problems({**SBER, "correspondent_account": "30101810400000000226"}) == {
        "correspondent_account": "This account's check digit does not match the bank's BIK."
    }
    # a person's 12-digit INN; spaces and dashes are dropped
    cleaned = requisites_clean({"tax_id": "5001 0073 2259", "country": "ru", "bic": "04-4525225"})
    assert (cleaned["tax_id"], cleaned["country"], cleaned["bic"]) == (
        "500100732259",
        "RU",
        "044525225",
    )


def test_foreign_numbers_iban_swift_and_eu_vat():
    assert (
        problems({"country": "DE", "tax_id": "DE136695976", "iban": "DE89 3704 0044 0532 0130 00"})
        == {}
    )
    assert problems({"country": "DE", "tax_id": "136695976"}) == {}
    assert problems({"country": "DE", "tax_id": "DE136695977"}) == {
        "tax_id": "This is not a valid VAT number of DE."
    }
    assert problems({"country": "US", "tax_id": "12-3456789"}) == {}  # not checked
    assert problems({"iban": "DE89370400440532013001"}) == {
        "iban": "This IBAN's check digits do not match."
    }
    assert problems({"swift": "SABR"}) == {"swift": "A SWIFT code has 8 or 11 letters and digits."}
    assert problems({"country": "RUS"}) == {
        "country": "A country is a two-letter code such as RU or DE."
    }
    assert problems({"vat_rate": Decimal("120")}) == {"vat_rate": "A VAT rate is from 0 to 100 %."}


def test_a_company_form_saves_requisites_and_names_a_bad_one(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    base = {"name": "Sber", "legal_name": "ПАО Сбербанк", "legal_form": "ПАО", "vat_rate": "20"}
    refused = client.post("/companies/new/", {**base, **SBER, "tax_id": "7707083894"})
    assert refused.status_code == 200
    assert "This INN&#x27;s check digits do not match." in refused.content.decode()
    with tenant_a.active():
        assert not Company.objects.filter(name="Sber").exists()
    saved = client.post("/companies/new/", {**base, **SBER, "bic": "044 525 225"})
    assert saved.status_code == 302
    with tenant_a.active():
        company = Company.objects.get(name="Sber")
        assert (company.bic, company.kpp, company.vat_rate) == ("044525225", "773601001", 20)
    card = client.get(f"/companies/{company.pk}/").content.decode()
    assert "30101810400000000225" in card
    assert "Requisites" in card


def test_the_api_takes_requisites_and_refuses_bad_ones(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        company = company_create(actor=owner, data={"name": "Sber"})
    client = tenant_a.client(owner)
    url = f"/api/v1/companies/{company.pk}/"
    bad = client.patch(url, {**SBER, "bic": "123", "version": 1}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json() == {"bic": ["A BIK has 9 digits and starts with 04."]}
    good = client.patch(url, {**SBER, "version": 1}, content_type="application/json")
    assert good.status_code == 200, good.content
    assert good.json()["settlement_account"] == SBER["settlement_account"]
    # a later change is checked against what the company already has: this account does not
    # fit the saved BIK
    mismatch = client.patch(
        url,
        {"settlement_account": "40702810500000000012", "version": 2},
        content_type="application/json",
    )
    assert mismatch.json() == {
        "settlement_account": ["This account's check digit does not match the bank's BIK."]
    }


def test_own_requisites_in_settings_and_the_api(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    page = client.get("/settings/requisites/")
    assert 'data-testid="requisites-form"' in page.content.decode()
    refused = client.post("/settings/requisites/", {**SBER, "ogrn": "1"})
    assert "An OGRN has 13 digits" in refused.content.decode()
    saved = client.post(
        "/settings/requisites/",
        {**SBER, "legal_name": "ООО «Альфа»", "vat_rate": "20", "signatory": "Director A. Alpha"},
    )
    assert saved.status_code == 302
    with tenant_a.active():
        assert own_requisites().legal_name == "ООО «Альфа»"
    api = client.patch(
        "/api/v1/settings/requisites/", {"swift": "SABRRUMM"}, content_type="application/json"
    )
    assert api.status_code == 200, api.content
    assert api.json()["swift"] == "SABRRUMM"
    assert api.json()["bic"] == "044525225"
    unknown = client.patch(
        "/api/v1/settings/requisites/", {"director": "X"}, content_type="application/json"
    )
    assert unknown.json() == {"director": ["Unknown field."]}
    rep = tenant_a.client(tenant_a.make_user(Role.SALES_REP))
    assert rep.get("/settings/requisites/").status_code == 403
    assert (
        rep.patch(
            "/api/v1/settings/requisites/", {"swift": ""}, content_type="application/json"
        ).status_code
        == 403
    )


@pytest.fixture
def order(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        seller = own_requisites()
        for field, value in {
            **SBER,
            "legal_name": "ООО «Альфа»",
            "legal_form": "",
            "vat_rate": Decimal("20"),
            "signatory": "Director A. Alpha",
        }.items():
            setattr(seller, field, value)
        seller.save()
        buyer = company_create(
            actor=owner,
            data={
                "name": "Buyer",
                "legal_name": "АО «Покупатель»",
                "tax_id": "500100732259",
                "country": "RU",
                "legal_address": "Москва, ул. Ленина, 1",
            },
        )
        person = contact_create(actor=owner, data={"first_name": "Pavel", "company": buyer})
        bolts = product_save(product=None, data={"sku": "B-1", "name": "Bolts"})
        retail = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        prices_set(price_list=retail, prices={bolts.pk: Decimal("120")})
        return order_create(actor=owner, contact=person, lines=[LineRequest(bolts, Decimal("10"))])


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_invoice_carries_both_sides_bank_details_and_vat(tenant_a, order):
    text = pdf_text(tenant_a.client(tenant_a.owner()).get(f"/orders/{order.pk}/invoice.pdf"))
    for expected in (
        "ООО «Альфа»",
        "7707083893",
        "773601001",
        "044525225",
        "30101810400000000225",
        "40702810600000000012",
        "АО «Покупатель»",
        "500100732259",
        "Including VAT 20%",
        "200.00",  # 1,200 × 20 / 120
        "Director A. Alpha",
    ):
        assert expected in text, expected
    with tenant_a.active():
        context = invoice_context(order=order)
    assert context["payment_qr"].startswith("<svg")
    assert context["purpose"].endswith("VAT 20% included: 200.00")


def test_the_invoice_in_russian(tenant_a, order):
    client = tenant_a.client(tenant_a.owner(), HTTP_ACCEPT_LANGUAGE="ru")
    text = pdf_text(client.get(f"/orders/{order.pk}/invoice.pdf"))
    assert "Счёт" in text
    assert "В том числе НДС 20%" in text
    assert "Банк получателя" in text


def test_without_vat_or_a_russian_account_there_is_no_vat_line_or_qr(tenant_a, order):
    with tenant_a.active():
        seller = own_requisites()
        seller.vat_rate = None
        seller.correspondent_account = ""
        seller.save()
        context = invoice_context(order=order)
    assert context["vat"] is None
    assert context["payment_qr"] == ""
    text = pdf_text(tenant_a.client(tenant_a.owner()).get(f"/orders/{order.pk}/invoice.pdf"))
    assert "No VAT" in text
