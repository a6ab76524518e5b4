"""Drag a deal through a gated stage on the kanban board, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def drag(page: Page, card, column) -> None:
    """A pointer drag the way a person does it (SortableJS listens to real pointer events)."""
    card.scroll_into_view_if_needed()
    start = card.bounding_box()
    target = column.locator(".board-list").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(
            start["x"] + (target["x"] + 40 - start["x"]) * step / 15,
            start["y"] + (target["y"] + 20 - start["y"]) * step / 15,
        )
        page.wait_for_timeout(20)
    page.mouse.up()


def test_drag_a_deal_through_a_gated_stage(page: Page, site):
    sign_up(
        page,
        site,
        company="Board Co",
        subdomain="board-co",
        owner="Bob Board",
        email="bob@board.test",
    )
    page.goto(site("board-co", "/contacts/new/"))
    page.get_by_label("First name").fill("Clara")
    page.get_by_role("button", name="Save").click()
    page.goto(site("board-co", "/deals/"))
    page.get_by_test_id("new-deal").click()
    page.get_by_label("Title").fill("Turbines")
    page.get_by_role("button", name="Save").click()
    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Deals").click()
    card = page.get_by_test_id("deal-Turbines")
    proposal = page.get_by_test_id("column-Proposal")
    drag(page, card, proposal)
    expect(page.get_by_test_id("flash").last).to_contain_text(
        "To enter “Proposal”, fill in: contact, amount, expected close date."
    )
    expect(page.get_by_test_id("column-Incoming").get_by_test_id("deal-Turbines")).to_be_visible()
    # fill in what the gate asks for, then drag again
    page.get_by_test_id("flash").last.get_by_role("link", name="Fill in").click()
    form = page.get_by_test_id("deal-form")
    form.get_by_label("Amount").fill("2400000")
    # the contact select holds no rows until one searches: a tenant may have a million
    form.get_by_test_id("lookup-contact").fill("Clara")
    contact = form.locator("select#id_contact")
    expect(contact).to_have_value(re.compile(r"\d+"))
    expect(contact.locator("option:checked")).to_have_text("Clara")
    form.get_by_label("Expected close").fill("2027-06-30")
    form.get_by_role("button", name="Save").click()
    page.get_by_test_id("sidebar-nav").get_by_role("link", name="Deals").click()
    drag(page, page.get_by_test_id("deal-Turbines"), page.get_by_test_id("column-Proposal"))
    expect(proposal.get_by_test_id("deal-Turbines")).to_be_visible()
    expect(proposal.get_by_test_id("column-total")).to_contain_text("2,400,000 RUB")
    expect(proposal.get_by_test_id("column-count")).to_have_text("1")
    page.reload()
    expect(page.get_by_test_id("column-Proposal").get_by_test_id("deal-Turbines")).to_be_visible()
