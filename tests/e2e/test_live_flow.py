"""Two colleagues side by side in two browsers: a deal moved by one moves on the other's board,
a notification rings, presence and a save show on the deal's page, a logged call appears on the
contact's timeline, all without reloading (real uvicorn, websockets and Redis)."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.test_deal_board import drag
from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def invite(page: Page, site, server, browser: Browser, *, subdomain: str, email: str, name: str):
    page.goto(site(subdomain, "/team/"))
    form = page.get_by_test_id("invite-form")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Name").fill(name)
    form.get_by_label("Role").select_option("admin")
    form.get_by_role("button", name="Send invitation").click()
    link = server["mailbox"].link_to(email, rf"http://{subdomain}\.localhost:\d+/invite/\S+/")
    colleague = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    colleague.context.set_default_timeout(15_000)
    colleague.goto(link)
    colleague.get_by_label("Password").fill(PASSWORD)
    colleague.get_by_role("button", name="Create my account").click()
    expect(colleague.get_by_test_id("user-menu")).to_contain_text(name)
    return colleague


def test_two_colleagues_see_each_others_changes_live(browser: Browser, page: Page, site, server):
    sign_up(
        page,
        site,
        company="Live Co",
        subdomain="live-co",
        owner="Lena Live",
        email="lena@live.test",
    )
    mark = invite(
        page, site, server, browser, subdomain="live-co", email="mark@live.test", name="Mark Moss"
    )
    # Mark's client and deal
    mark.goto(site("live-co", "/contacts/new/"))
    mark.get_by_label("First name").fill("Clara")
    mark.get_by_role("button", name="Save").click()
    clara_url = mark.url
    mark.goto(site("live-co", "/deals/new/"))
    form = mark.get_by_test_id("deal-form")
    form.get_by_label("Title").fill("Turbines")
    form.get_by_test_id("lookup-contact").fill("Clara")
    expect(form.locator("select#id_contact")).to_have_value(re.compile(r"\d+"))
    form.get_by_role("button", name="Save").click()
    deal_url = mark.url

    # both on the board; Lena drags Mark's deal, Mark's board follows
    mark.goto(site("live-co", "/deals/"))
    page.goto(site("live-co", "/deals/"))
    expect(mark.locator("[data-board-live].live-connected")).to_have_count(1)
    expect(page.locator("[data-board-live].live-connected")).to_have_count(1)
    expect(mark.get_by_test_id("notification-count")).to_be_hidden()
    drag(page, page.get_by_test_id("deal-Turbines"), page.get_by_test_id("column-Qualified"))
    expect(page.get_by_test_id("column-Qualified").get_by_test_id("deal-Turbines")).to_be_visible()
    qualified = mark.get_by_test_id("column-Qualified")
    expect(qualified.get_by_test_id("deal-Turbines")).to_be_visible()
    expect(qualified.get_by_test_id("column-count")).to_have_text("1")
    # ... and Mark's bell rings
    expect(mark.get_by_test_id("notification-count")).to_have_text("1")
    expect(mark.get_by_test_id("live-toast").last).to_contain_text(
        "Lena Live moved your deal Turbines to Qualified"
    )

    # presence: Mark reads the deal while Lena edits it; her save shows on his page
    mark.goto(deal_url)
    page.goto(deal_url.rstrip("/") + "/edit/")
    expect(mark.get_by_test_id("presence-editing")).to_have_text("Lena Live is editing this")
    expect(page.get_by_test_id("presence-viewing")).to_have_text("Mark Moss is viewing this")
    page.get_by_test_id("deal-form").get_by_label("Amount").fill("1500000")
    page.get_by_test_id("deal-form").get_by_role("button", name="Save").click()
    expect(mark.get_by_test_id("record-changed")).to_contain_text("Lena Live changed this record.")
    expect(mark.get_by_test_id("presence-editing")).to_have_count(0)  # she left the editor
    mark.get_by_test_id("record-changed").get_by_role("link", name="Reload").click()
    expect(mark.get_by_text("1,500,000.00 RUB")).to_be_visible()

    # a call Lena logs on Clara appears on Mark's open timeline
    mark.goto(clara_url)
    page.goto(clara_url)
    expect(mark.locator("[data-live-record].live-connected")).to_have_count(1)
    log = page.get_by_test_id("interaction-form")
    log.get_by_label("Channel").select_option("call")
    log.get_by_label("Notes").fill("Asked for a second quote")
    log.get_by_role("button", name="Log it").click()
    expect(mark.get_by_test_id("timeline")).to_contain_text("Asked for a second quote")

    # the bell's list opens the notification and marks it read
    mark.get_by_test_id("bell").click()
    item = mark.get_by_test_id("notification-menu").get_by_test_id("notification").first
    expect(item).to_contain_text("Lena Live moved your deal Turbines to Qualified")
    item.click()
    expect(mark).to_have_url(deal_url)
    expect(mark.get_by_test_id("notification-count")).to_be_hidden()
    mark.context.close()
