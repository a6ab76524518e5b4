"""Dark mode follows the system's setting, before the page paints and when it changes, under the
Content-Security-Policy (no inline script)."""

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import csp_violations

pytestmark = pytest.mark.e2e


def background(page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def test_the_pages_follow_the_systems_light_or_dark_setting(browser: Browser, site):
    context = browser.new_context(color_scheme="dark", locale="en-US")
    page = context.new_page()
    blocked = csp_violations(page)
    page.goto(site(None, "/"))
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    assert background(page) in ("rgb(15, 23, 42)", "rgb(33, 37, 41)")
    # a button's words never break inside ("Добавить")
    assert page.evaluate("getComputedStyle(document.querySelector('.btn')).whiteSpace") == "nowrap"
    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    assert background(page) != "rgb(15, 23, 42)"
    context.close()
    assert blocked == []
