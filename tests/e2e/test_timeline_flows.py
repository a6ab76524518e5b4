"""Log a call whose outcome moves the contact's stage, and see it on the 360° timeline."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_a_logged_call_moves_the_stage_and_lands_on_the_timeline(page: Page, site):
    sign_up(
        page,
        site,
        company="Timeline Co",
        subdomain="timeline-co",
        owner="Tina Timeline",
        email="tina@timeline.test",
    )
    page.goto(site("timeline-co", "/contacts/new/"))
    form = page.get_by_test_id("record-form")
    form.get_by_label("First name").fill("Lead")
    form.get_by_label("Last name").fill("Person")
    form.get_by_label("Lifecycle stage").select_option(label="Lead")
    form.get_by_role("button", name="Save").click()
    log = page.get_by_test_id("interaction-form")
    log.get_by_label("Channel").select_option("call")
    log.get_by_label("Direction").select_option("outbound")
    log.get_by_label("Topic").select_option(label="Price request")
    log.get_by_label("Outcome").select_option(label="Agreed to a demo")
    log.get_by_label("Notes").fill("Demo booked for Friday 11:00")
    log.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("moved to “Qualified”")
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Demo booked for Friday 11:00")
    expect(timeline).to_contain_text("Outcome “Agreed to a demo”")
    expect(page.get_by_test_id("stage-select")).to_have_value(
        page.get_by_test_id("stage-select")
        .locator("option", has_text="Qualified")
        .get_attribute("value")
    )
    expect(page.get_by_test_id("figure-interactions")).to_have_text("1")
    # filter the timeline to stage changes only
    page.get_by_test_id("timeline-channels").get_by_role("button", name="Stages").click()
    expect(timeline.locator("li[data-kind=interaction]")).to_have_count(0)
    expect(timeline.locator("li[data-kind=stage]")).to_have_count(1)
