"""Set up a product and its price, place an order for a client and take it to delivered; the
client's card then shows what they bought and how."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.shop import product_priced
from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_place_an_order_and_follow_it_to_delivery(page: Page, site):
    sign_up(
        page,
        site,
        company="Order Co",
        subdomain="order-co",
        owner="Olga Order",
        email="olga@order.test",
    )
    product_priced(
        page,
        site("order-co", "/products/"),
        sku="ST-1",
        name="Steel sheet",
        price="98000",
        unit="t",
    )
    page.goto(site("order-co", "/contacts/new/"))
    page.get_by_label("First name").fill("Pavel")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("contact-orders").get_by_role("link", name="New order").click()
    form = page.get_by_test_id("order-form")
    form.get_by_label("Product 1").select_option(label="Steel sheet (ST-1)")
    form.get_by_label("Quantity 1").fill("2.5")
    form.get_by_role("button", name="Create order").click()
    expect(page.get_by_test_id("order-total")).to_have_text("245,000.00 RUB")
    for step in ("placed", "paid", "shipped", "delivered"):
        page.get_by_test_id(f"to-{step}").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Delivered")
    expect(page.get_by_test_id("order-steps")).to_contain_text("Delivered ·")
    page.get_by_role("link", name="Pavel").click()
    expect(page.get_by_test_id("figure-revenue")).to_contain_text("245,000 RUB")
    expect(page.get_by_test_id("timeline")).to_contain_text(": delivered")
    habits = page.get_by_test_id("buying-habits")
    expect(habits.get_by_test_id("habits-revenue")).to_have_text("245,000.00 RUB")
    expect(habits.get_by_test_id("habits-frequency")).to_have_text("once so far")
    expect(habits.get_by_test_id("habits-top")).to_contain_text("Steel sheet")
    expect(page.get_by_test_id("service-summary")).to_contain_text("Open: 0")
