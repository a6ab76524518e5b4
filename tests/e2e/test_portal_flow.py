"""A customer's whole journey in the portal, and the staff's side of each step: sign-up, email
verification (the mail read from the test mailbox), shopping, checkout on invoice, order
history, reorder, a support request answered by staff in the CRM, the data download."""

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.conftest import csp_violations
from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e

SHOP = "portal-shop"


def set_up_catalogue(page: Page, site) -> None:
    page.goto(site(SHOP, "/products/"))
    for sku, name in (("BOLT-1", "Steel bolts"), ("NUT-1", "Brass nuts")):
        product = page.get_by_test_id("product-form")
        product.get_by_placeholder("SKU").fill(sku)
        product.get_by_placeholder("Name").fill(name)
        product.get_by_role("button", name="Add").click()
    price_list = page.get_by_test_id("price-list-form")
    price_list.get_by_placeholder("Name").fill("Retail")
    price_list.get_by_label("Default price list").check()
    price_list.get_by_role("button", name="Create").click()
    page.get_by_label("Steel bolts").fill("10.50")
    page.get_by_label("Brass nuts").fill("3")
    page.get_by_role("button", name="Save prices").click()


def customer_sign_up(customer: Page, server, name: str, email: str, host: str) -> None:
    """From the portal's sign-in page: sign up, open the link mailed to `host`, be greeted."""
    customer.get_by_test_id("signup-link").click()
    customer.get_by_label("Your name").fill(name)
    customer.get_by_label("Email").fill(email)
    customer.get_by_label("Password").fill(PASSWORD)
    customer.get_by_label("I agree").check()
    customer.get_by_role("button", name="Create account").click()
    expect(customer.get_by_test_id("signup-sent")).to_be_visible()
    link = server["mailbox"].link_to(email, rf"http://{re.escape(host)}:\d+/portal/verify/\S+/")
    customer.goto(link)
    expect(customer.get_by_test_id("portal-greeting")).to_have_text(f"Hello, {name.split()[0]}")


def test_customer_journey_and_the_staff_side(page: Page, browser: Browser, site, server):
    sign_up(
        page, site, company="Portal Shop", subdomain=SHOP, owner="Sam Shop", email="sam@shop.test"
    )
    expect(page.get_by_test_id("tenant-name")).to_have_text("Portal Shop")
    set_up_catalogue(page, site)
    # the admin brands the portal
    page.goto(site(SHOP, "/settings/portal/"))
    branding = page.get_by_test_id("branding-form")
    branding.get_by_label("Welcome line").fill("Bolts and nuts since 1999.")
    page.get_by_test_id("branding-save").click()
    expect(page.get_by_text("The portal's look is saved.")).to_be_visible()

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(15_000)
    customer = context.new_page()
    blocked = csp_violations(customer)

    # sign-up and verification through the mailed link
    customer.goto(site(SHOP, "/portal/login/"))
    customer_sign_up(customer, server, "Carla Client", "carla@client.test", f"{SHOP}.localhost")
    expect(customer.get_by_text("Bolts and nuts since 1999.")).to_be_visible()

    # shopping: catalogue, cart, checkout with a new address, paid on invoice
    customer.get_by_test_id("nav-catalogue").click()
    cards = customer.get_by_test_id("product-card")
    expect(cards).to_have_count(2)
    cards.filter(has_text="Steel bolts").get_by_test_id("add-to-cart").click()
    cards.filter(has_text="Steel bolts").get_by_test_id("add-to-cart").click()
    cards.filter(has_text="Brass nuts").get_by_test_id("add-to-cart").click()
    expect(customer.get_by_test_id("cart-count")).to_have_text("3")
    customer.get_by_test_id("nav-cart").click()
    expect(customer.get_by_test_id("cart-total")).to_have_text("24.00 RUB")
    customer.get_by_test_id("checkout").click()
    address = customer.get_by_test_id("address-form")
    address.get_by_label("Street and house").fill("5 Harbour Road")
    address.get_by_label("City").fill("Portsmouth")
    customer.get_by_test_id("address-save").click()
    expect(customer.get_by_label("Carla Client, 5 Harbour Road, Portsmouth")).to_be_checked()
    expect(customer.get_by_test_id("payment-note")).to_contain_text("placed unpaid")
    customer.get_by_test_id("place-order").click()
    expect(customer.get_by_test_id("order-status")).to_have_text("Placed")
    expect(customer.get_by_test_id("unpaid-note")).to_be_visible()
    expect(customer.get_by_test_id("order-total")).to_have_text("24.00 RUB")
    number = customer.get_by_test_id("order-title").inner_text().split("№ ")[1].split()[0]
    with customer.expect_download() as invoice:
        customer.get_by_test_id("invoice").click()
    assert invoice.value.suggested_filename == f"invoice-{number}.pdf"

    # staff: the order on the client's timeline, and paid; the customer's open order page
    # shows it at once (its socket, /ws/portal/)
    expect(customer.locator("[data-live].live-connected")).to_have_count(1)
    page.goto(site(SHOP, "/orders/"))
    page.get_by_role("link", name=number).click()
    page.get_by_test_id("to-paid").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    expect(customer.get_by_test_id("order-status")).to_have_text("Paid")
    expect(customer.get_by_test_id("unpaid-note")).to_have_count(0)  # the live part is whole
    page.get_by_role("link", name="Carla Client").click()
    expect(page.get_by_test_id("contact-portal")).to_contain_text("carla@client.test")
    expect(page.get_by_test_id("timeline")).to_contain_text("Opened a customer account")
    expect(page.get_by_test_id("timeline")).to_contain_text(f"Order {number}: placed")

    # order history shows the payment; reorder fills the cart again
    customer.get_by_test_id("nav-orders").click()
    expect(customer.get_by_test_id("order-row")).to_have_count(1)
    customer.get_by_role("link", name=f"№ {number}").click()
    expect(customer.get_by_test_id("order-status")).to_have_text("Paid")
    customer.get_by_test_id("reorder").click()
    expect(customer.get_by_test_id("cart-row")).to_have_count(2)

    # a support request, answered by staff in the CRM
    customer.get_by_test_id("nav-support").click()
    customer.get_by_test_id("new-request").click()
    customer.get_by_label("What is it about?").select_option(label="Order and delivery")
    customer.get_by_label("Message").fill("When does my order ship?")
    customer.get_by_test_id("send-request").click()
    expect(customer.get_by_test_id("ticket-sla")).to_contain_text("We answer by")
    expect(customer.locator("[data-live].live-connected")).to_have_count(1)
    page.goto(site(SHOP, "/tickets/"))
    page.get_by_role("row").filter(has_text="Carla Client").get_by_role("link").first.click()
    expect(page.get_by_test_id("ticket-thread")).to_contain_text("When does my order ship?")
    page.get_by_test_id("ticket-reply").get_by_label("Reply").fill("Tomorrow morning.")
    page.get_by_test_id("ticket-reply").get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("ticket-thread")).to_contain_text("Tomorrow morning.")
    server["mailbox"].link_to(
        "carla@client.test", rf"http://{SHOP}\.localhost:\d+/portal/support/\d+/"
    )
    # the customer's open request shows the answer without a reload
    expect(customer.get_by_test_id("thread")).to_contain_text("Tomorrow morning.")
    expect(customer.get_by_test_id("ticket-sla")).to_contain_text("We have answered")

    # the data download holds the order and the request
    customer.get_by_test_id("nav-profile").click()
    with customer.expect_download() as download:
        customer.get_by_test_id("data-download").click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    data = json.loads(archive.read("data.json"))
    assert data["orders"][0]["number"] == number
    assert data["requests"][0]["messages"][-1]["text"] == "Tomorrow morning."
    context.close()
    assert blocked == [], "the Content-Security-Policy blocked: " + "; ".join(blocked)
