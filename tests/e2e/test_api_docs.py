"""Two things every visitor's browser asks for: the API reference renders under the
Content-Security-Policy (Swagger UI's script comes from the same origin, drf-spectacular's split
view, never inline), and the pages' icon is served instead of a 404."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_the_api_reference_renders(page: Page, site):
    page.goto(site(None, "/api/docs/"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tenantly CRM API")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()


def test_pages_carry_an_icon_that_is_served(page: Page, site):
    page.goto(site(None, "/"))
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon
    assert page.request.get(site(None, icon)).status == 200
