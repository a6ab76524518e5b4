"""A product edited on its card in a real browser (fields, picture, prices per list with the
margin), then seen by a customer on the portal's product page with its description and
picture."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import csp_violations
from tests.e2e.shop import product_priced
from tests.e2e.test_foundation_flows import sign_up
from tests.e2e.test_portal_flow import customer_sign_up
from tests.pictures import picture_bytes

pytestmark = pytest.mark.e2e

SHOP = "card-shop"


def picture_shown(page: Page, test_id: str) -> None:
    picture = page.get_by_test_id(test_id)
    expect(picture).to_be_visible()
    assert picture.evaluate("image => image.complete && image.naturalWidth") == 40


def test_edit_a_product_and_see_it_on_the_portal(page: Page, browser: Browser, site, server):
    sign_up(page, site, company="Card Shop", subdomain=SHOP, owner="Cara Card", email="c@card.test")
    product_priced(page, site(SHOP, "/products/"), sku="LMP-1", name="Desk lamp", price="30")

    page.goto(site(SHOP, "/products/"))
    page.get_by_test_id("products").get_by_role("link", name="Desk lamp").click()
    form = page.get_by_test_id("product-card-form")
    form.get_by_label("Description").fill("Warm light.\n\nSteel base.")
    form.get_by_label("Cost price").fill("12")
    form.get_by_label("Unit").fill("pcs")
    form.locator("input[type=file]").set_input_files(
        {"name": "lamp.png", "mimeType": "image/png", "buffer": picture_bytes()}
    )
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Saved.")
    picture_shown(page, "product-picture")
    prices = page.get_by_test_id("product-prices")
    expect(prices.get_by_test_id("margin")).to_contain_text("18.00 RUB")  # 30 − 12
    prices.get_by_label("Price in Retail").fill("40")
    prices.get_by_role("button", name="Save prices").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("Prices saved.")
    expect(page.get_by_test_id("product-prices").get_by_test_id("margin")).to_contain_text(
        "28.00 RUB"
    )
    expect(page.get_by_test_id("history")).to_contain_text("Cost price")
    # a file that is not a picture is refused on the form; the picture stays
    page.get_by_test_id("product-card-form").locator("input[type=file]").set_input_files(
        {"name": "lamp.png", "mimeType": "image/png", "buffer": b"<svg onload=alert(1)>"}
    )
    page.get_by_test_id("product-card-form").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Upload a JPEG, PNG, WebP or GIF picture.")).to_be_visible()
    page.goto(site(SHOP, "/products/"))
    expect(page.get_by_test_id("products").locator("img.product-thumb")).to_have_count(1)

    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(15_000)
    customer = context.new_page()
    blocked = csp_violations(customer)
    customer.goto(site(SHOP, "/portal/login/"))
    customer_sign_up(customer, server, "Petra Portal", "petra@client.test", f"{SHOP}.localhost")
    customer.get_by_test_id("nav-catalogue").click()
    card = customer.get_by_test_id("product-card").filter(has_text="Desk lamp")
    expect(card).to_contain_text("40.00 RUB")
    card.get_by_role("link", name="Desk lamp").click()
    expect(customer.get_by_test_id("product-description")).to_contain_text("Steel base.")
    picture_shown(customer, "product-picture")
    context.close()
    assert blocked == []
