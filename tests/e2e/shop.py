"""Steps the order tests share: a product with its price in a default price list, set up through
the products page as staff do it."""

from playwright.sync_api import Page


def product_priced(
    page: Page, url: str, *, sku: str, name: str, price: str, unit: str = ""
) -> None:
    """On the products page at `url`: add the product, a default price list, and its price."""
    page.goto(url)
    product = page.get_by_test_id("product-form")
    product.get_by_placeholder("SKU").fill(sku)
    product.get_by_placeholder("Name").fill(name)
    if unit:
        product.get_by_placeholder("Unit").fill(unit)
    product.get_by_role("button", name="Add").click()
    price_list = page.get_by_test_id("price-list-form")
    price_list.get_by_placeholder("Name").fill("Retail")
    price_list.get_by_label("Default price list").check()
    price_list.get_by_role("button", name="Create").click()
    page.get_by_label(name).fill(price)
    page.get_by_role("button", name="Save prices").click()
