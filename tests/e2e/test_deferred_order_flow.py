"""A client asks to come back to an order in two weeks: the order is deferred on its form, shows
in the list's Deferred filter, its day is moved on its page, and the reminder is on the tasks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.shop import product_priced
from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_defer_an_order_and_find_it_again(page: Page, site):
    sign_up(
        page,
        site,
        company="Later Co",
        subdomain="later-co",
        owner="Lena Later",
        email="lena@later.test",
    )
    product_priced(page, site("later-co", "/products/"), sku="PN-1", name="Panels", price="1200")
    page.goto(site("later-co", "/contacts/new/"))
    page.get_by_label("First name").fill("Petra")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("contact-orders").get_by_role("link", name="New order").click()
    form = page.get_by_test_id("order-form")
    form.get_by_label("Product 1").select_option(label="Panels (PN-1)")
    form.get_by_label("Quantity 1").fill("3")
    in_two_weeks = timezone.localdate() + timedelta(days=14)
    form.get_by_label("Deferred until").fill(in_two_weeks.isoformat())
    form.get_by_role("button", name="Create order").click()
    expect(page.get_by_test_id("order-deferred")).to_be_visible()
    number = page.get_by_role("heading", level=1).inner_text().split()[1]

    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Orders").click()
    page.get_by_test_id("orders-deferred").click()
    expect(page.get_by_test_id("orders")).to_contain_text(number)

    page.get_by_test_id("orders").get_by_role("link", name=number).click()
    later = in_two_weeks + timedelta(days=7)
    page.get_by_test_id("defer-form").get_by_label("Deferred until").fill(later.isoformat())
    page.get_by_test_id("defer-form").get_by_role("button", name="Change the day").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("a reminder is on the owner's tasks")
    page.get_by_test_id("sidebar-nav").get_by_role("link", name="My tasks").click()
    expect(page.get_by_text(f"Deferred order {number}: back to Petra")).to_be_visible()
