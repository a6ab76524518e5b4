"""Staff create a company and a person in it, find them by phone, and edit them, in a browser."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_create_a_company_and_a_contact_then_find_and_edit(page: Page, site):
    sign_up(
        page,
        site,
        company="Clients Co",
        subdomain="clients-co",
        owner="Cleo Clients",
        email="cleo@clients.test",
    )
    nav = page.get_by_test_id("sidebar-nav")
    nav.get_by_role("link", name="Companies").click()
    page.get_by_test_id("new-company").click()
    form = page.get_by_test_id("record-form")
    form.get_by_label("Company name").fill("Уральская сталь")
    form.get_by_label("Tax id").fill("6658123456")
    form.get_by_role("textbox", name="Phones").fill("8 343 210 40 50")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("company-card")).to_contain_text("+7 343 210-40-50")
    page.get_by_role("link", name="Add a person").click()
    form = page.get_by_test_id("record-form")
    expect(form.get_by_label("Company")).to_have_value(page.url.split("company=")[1])
    form.get_by_label("First name").fill("Алексей")
    form.get_by_label("Last name").fill("Иванов")
    form.get_by_role("textbox", name="Phones").fill("+7 (916) 123-45-67")
    form.get_by_role("textbox", name="Emails").fill("Alexey@Ural-Steel.RU")
    form.get_by_label("Lifecycle stage").select_option(label="Qualified")
    form.get_by_role("button", name="Save").click()
    card = page.get_by_test_id("contact-card")
    expect(card).to_contain_text("alexey@ural-steel.ru")
    expect(card).to_contain_text("Qualified")
    # find by phone typed another way, with the live filter
    nav.get_by_role("link", name="Contacts").click()
    page.get_by_test_id("list-filters").get_by_placeholder("Name, email or phone").fill(
        "8 916 123 45 67"
    )
    rows = page.get_by_test_id("contact-rows")
    expect(rows).to_contain_text("Алексей Иванов")
    expect(rows).to_contain_text("Уральская сталь")
    rows.get_by_role("link", name="Алексей Иванов").click()
    page.get_by_test_id("edit").click()
    page.get_by_label("Position").fill("Главный инженер")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Главный инженер · Уральская сталь")).to_be_visible()
    # the edit is in the history of changes, with who made it
    expect(page.get_by_test_id("history")).to_contain_text("Position:")
    expect(page.get_by_test_id("history")).to_contain_text("Главный инженер")
