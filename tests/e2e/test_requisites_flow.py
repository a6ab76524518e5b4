"""The company's own details and a client company's requisites entered in a real browser: a
number whose key does not fit is named under its input, in English and in Russian."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_requisites_are_checked_where_they_are_typed(page: Page, site):
    sign_up(page, site, company="Req Co", subdomain="req-co", owner="Rob Req", email="r@req.test")
    page.get_by_test_id("nav-requisites").click()
    form = page.get_by_test_id("requisites-form")
    form.get_by_label("Legal name").fill("ООО «Рек»")
    form.get_by_label("Tax id").fill("7707083893")
    form.get_by_label("Country").fill("RU")
    form.get_by_label("Bank's BIK").fill("044525225")
    form.get_by_label("Correspondent account").fill("30101810400000000225")
    form.get_by_label("Settlement account").fill("40702810500000000012")
    form.get_by_label("VAT rate, %").fill("20")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#id_settlement_account_errors")).to_have_text(
        "This account's check digit does not match the bank's BIK."
    )
    form = page.get_by_test_id("requisites-form")
    expect(form.get_by_label("Legal name")).to_have_value("ООО «Рек»")  # nothing typed is lost
    form.get_by_label("Settlement account").fill("4070 2810 6000 0000 0012")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("The company's details are saved.")
    expect(page.get_by_label("Settlement account")).to_have_value("40702810600000000012")

    page.get_by_test_id("lang-switch").click()
    page.goto(site("req-co", "/companies/new/"))
    form = page.get_by_test_id("record-form")
    expect(form.get_by_role("heading", name="Реквизиты")).to_be_visible()
    form.get_by_label("Название компании").fill("Покупатель")
    form.get_by_label("Страна").fill("RU")
    form.get_by_label("ИНН").fill("7707083894")
    form.get_by_role("button", name="Сохранить").click()
    expect(page.locator("#id_tax_id_errors")).to_have_text("Контрольные цифры ИНН не сходятся.")
    page.get_by_label("ИНН").fill("7707083893")
    page.get_by_test_id("record-form").get_by_role("button", name="Сохранить").click()
    expect(page.get_by_test_id("company-card")).to_contain_text("7707083893")
