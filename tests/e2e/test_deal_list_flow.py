"""Deals as a list and the board's filters, in a real browser at 1440 px: the board scrolls
sideways inside itself to Won and Lost (the page does not) with its scrollbar and column
headers on screen; the list filters, sorts, counts and exports what it shows."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up
from tests.e2e.test_import_flow import _download

pytestmark = pytest.mark.e2e


def new_deal(page: Page, site, title: str, amount: str, close: str = "") -> None:
    page.goto(site("ledger-co", "/deals/new/"))
    form = page.get_by_test_id("deal-form")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Amount").fill(amount)
    if close:
        form.get_by_label("Expected close").fill(close)
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()


def test_the_board_scrolls_inside_itself_and_the_list_filters_sorts_and_exports(page: Page, site):
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_up(
        page,
        site,
        company="Ledger Co",
        subdomain="ledger-co",
        owner="Lena Ledger",
        email="lena@ledger.test",
    )
    new_deal(page, site, "Turbines", "2400000", "2027-06-30")
    new_deal(page, site, "Pumps", "1000")
    new_deal(page, site, "Valves", "50000", "2027-01-15")

    page.goto(site("ledger-co", "/deals/"))
    board = page.get_by_test_id("board")
    lost = page.get_by_test_id("column-Lost")
    expect(lost).to_be_attached()
    layout = page.evaluate(
        """() => {
            const board = document.querySelector('[data-testid=board]');
            const box = board.getBoundingClientRect();
            return {
                pageWidth: document.documentElement.scrollWidth,
                viewport: window.innerWidth,
                boardScrolls: board.scrollWidth > board.clientWidth,
                // the tallest a column grows, and the board's own padding below it
                boardBottom: box.top + parseFloat(
                    getComputedStyle(board.querySelector('.board-column')).maxHeight
                ) + parseFloat(getComputedStyle(board).paddingBottom) + 16,
                viewportHeight: window.innerHeight,
            };
        }"""
    )
    assert layout["pageWidth"] <= layout["viewport"], layout  # the page never scrolls sideways
    assert layout["boardScrolls"], layout
    assert layout["boardBottom"] <= layout["viewportHeight"], layout  # its scrollbar is on screen
    board.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    expect(lost.locator("header")).to_be_in_viewport()
    expect(page.get_by_test_id("column-Won").locator("header")).to_be_in_viewport()

    # the board's filters: close date
    page.get_by_test_id("close-after").fill("2027-01-01")
    page.get_by_test_id("close-before").fill("2027-03-31")
    page.get_by_test_id("apply-filters").click()
    expect(page.get_by_test_id("deal-Valves")).to_be_visible()
    expect(page.get_by_test_id("deal-Turbines")).to_have_count(0)
    expect(page.get_by_test_id("forecast")).to_contain_text("5,000 RUB")
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_test_id("deal-Turbines")).to_be_visible()

    # the list
    page.get_by_test_id("view-list").click()
    rows = page.get_by_test_id("deal-rows")
    expect(page.get_by_test_id("list-total")).to_have_text("3 records")
    page.get_by_label("Sort").select_option(label="Largest amount")
    expect(rows.locator("tbody tr").first).to_contain_text("Turbines")
    expect(rows.locator("tbody tr").last).to_contain_text("Pumps")
    expect(rows).to_contain_text("2,400,000.00 RUB")
    page.get_by_label("Amount to").fill("60000")
    page.get_by_label("Amount to").press("Tab")
    expect(page.get_by_test_id("list-total")).to_have_text("2 records")
    expect(rows).not_to_contain_text("Turbines")
    assert "amount_max=60000" in page.url
    # the export takes the filters; the list is longer than EXPORT_DIRECT_ROWS (1 here)
    page.get_by_test_id("export-csv").click()
    expect(page).to_have_url(re.compile(r"/exports/\d+/$"))
    download = page.get_by_test_id("export-download")
    expect(download).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("export-ready")).to_contain_text("The file is ready: 2 rows.")
    text = _download(page, download.click)
    assert text.splitlines()[1].startswith("Valves,Sales,Incoming,50000.00,RUB")
    assert "Turbines" not in text
    page.get_by_role("link", name="Back to the list").click()
    expect(page.get_by_test_id("list-total")).to_have_text("2 records")
