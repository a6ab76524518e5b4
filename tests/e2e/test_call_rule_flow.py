"""The administrator sets the inbound call rule in CRM settings (in Russian: the page's labels
and the outcome lists' selects read whole), logs an inbound call on a contact's card, and the
follow-up task waits in My tasks."""

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e


def test_an_inbound_call_makes_a_task_by_the_rule(page: Page, site):
    sign_up(
        page, site, company="Ring Co", subdomain="ring-co", owner="Rina Ring", email="r@ring.test"
    )
    page.goto(site("ring-co", "/settings/crm/"))
    outcomes = page.get_by_test_id("settings-outcomes")
    rule_select = outcomes.locator("select[name$='-rule']").first
    expect(rule_select).to_be_visible()
    assert rule_select.evaluate("select => select.offsetWidth") > 200  # never cut to two letters
    expect(outcomes.get_by_text("Stage").first).to_be_visible()

    form = page.get_by_test_id("call-rule-form")
    form.get_by_label("After inbound calls with a topic or outcome chosen below").check()
    form.get_by_test_id("call-rule-save").click()
    expect(page.get_by_text("Choose at least one topic or outcome for this rule.")).to_be_visible()
    form = page.get_by_test_id("call-rule-form")
    form.get_by_label("After every inbound call").check()
    form.get_by_label("Due in, hours").fill("3")
    form.get_by_test_id("call-rule-save").click()
    expect(page.get_by_test_id("flash").last).to_contain_text("The inbound call rule is saved.")

    page.goto(site("ring-co", "/contacts/new/"))
    page.get_by_label("First name").fill("Oleg")
    page.get_by_label("Last name").fill("Orlov")
    page.get_by_role("button", name="Save").click()
    log = page.get_by_test_id("interaction-form")
    log.get_by_label("Channel").select_option("call")
    log.get_by_label("Direction").select_option("inbound")
    log.get_by_label("Subject").fill("Asked about delivery")
    log.get_by_role("button", name="Log it").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Asked about delivery")
    page.get_by_test_id("sidebar-nav").get_by_role("link", name="My tasks").click()
    expect(page.get_by_text("Inbound call from Oleg Orlov: follow up")).to_be_visible()

    # in Russian, the longer words still fit
    page.goto(site("ring-co", "/settings/crm/"))
    page.get_by_test_id("lang-switch").click()
    form = page.get_by_test_id("call-rule-form")
    expect(form).to_contain_text("Входящие звонки")
    expect(form.get_by_label("После каждого входящего звонка")).to_be_checked()
    rule_select = page.get_by_test_id("settings-outcomes").locator("select[name$='-rule']").first
    assert rule_select.evaluate("select => select.scrollWidth <= select.clientWidth + 1")
