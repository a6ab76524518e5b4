"""The way to a proposal in a real browser: the owner sets a segment's card rule and needs
card up; a company of the segment shows its steps locked and why; once its card is complete
the needs card opens, is answered, and the proposal step opens."""

import pytest
from playwright.sync_api import Page, expect

from crm_core.parties.models import Company
from crm_core.parties.services import company_create, company_update
from crm_core.segments.models import Segment
from crm_core.segments.services import segment_save
from tenants.identity.models import User
from tests.e2e.test_analytics_flow import in_company
from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e

OWNER = "gina@gate.test"


def distributors() -> dict:
    segment_save(
        segment=None,
        data={
            "name": "Distributors",
            "applies_to": "company",
            "parameters": [{"label": "Turnover", "type": "money", "currency": "RUB"}],
        },
    )
    return {}


def wombat() -> dict:
    company = company_create(
        actor=User.objects.get(email=OWNER),
        data={"name": "Wombat Wholesale", "segment": Segment.objects.get()},
    )
    return {"pk": company.pk}


def complete_the_card() -> dict:
    company_update(
        actor=User.objects.get(email=OWNER),
        company=Company.objects.get(),
        data={"tax_id": "7707083893", "segment_values": {"turnover": "2500000"}},
        expected_version=None,
    )
    return {}


def test_a_segment_gates_its_clients_proposal_behind_a_complete_card_and_the_needs(
    page: Page, site, django_db_blocker
):
    sign_up(page, site, company="Gate Co", subdomain="gate-co", owner="Gina Gate", email=OWNER)
    in_company("gate_co", django_db_blocker, distributors)

    page.goto(site("gate-co", "/settings/segments/"))
    page.get_by_role("link", name="Proposal setup").click()
    form = page.get_by_test_id("proposal-setup-form")
    form.get_by_label("Tax id").check()
    form.get_by_label("Turnover").check()
    rows = form.get_by_test_id("question-rows").locator("tbody tr")
    rows.nth(0).locator("input[name$=label]").fill("Main need")
    rows.nth(0).locator("select[name$=type]").select_option(label="Choice")
    rows.nth(0).locator("input[name$=choices]").fill("Stock, Delivery, Credit")
    rows.nth(0).locator("input[name$=required]").check()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("flash").first).to_contain_text("is saved")
    expect(page.get_by_test_id("proposal-setup-form")).to_contain_text("Version 1")

    company = in_company("gate_co", django_db_blocker, wombat)
    page.goto(site("gate-co", f"/companies/{company['pk']}/"))
    gates = page.get_by_test_id("proposal-gates")
    expect(gates.get_by_test_id("gate-segment")).to_have_attribute("data-state", "done")
    expect(gates.get_by_test_id("gate-card")).to_have_attribute("data-state", "todo")
    expect(gates.get_by_test_id("gate-card")).to_contain_text("Fill in: Tax id, Turnover.")
    expect(gates.get_by_test_id("gate-needs")).to_have_attribute("data-state", "locked")
    expect(gates.get_by_test_id("gate-proposal")).to_have_attribute("data-state", "locked")
    expect(gates.get_by_test_id("needs-open")).to_have_count(0)

    in_company("gate_co", django_db_blocker, complete_the_card)
    page.reload()
    expect(gates.get_by_test_id("gate-card")).to_have_attribute("data-state", "done")
    gates.get_by_test_id("needs-open").click()
    needs = page.get_by_test_id("needs-form")
    needs.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("needs-form")).to_contain_text("This field is required.")
    page.get_by_test_id("needs-form").get_by_label("Main need").select_option("Delivery")
    page.get_by_test_id("needs-form").get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("flash").first).to_contain_text("The needs card is saved.")
    expect(gates.get_by_test_id("gate-needs")).to_have_attribute("data-state", "done")
    expect(gates.get_by_test_id("gate-proposal")).to_have_attribute("data-state", "todo")
    expect(gates.get_by_test_id("gate-proposal")).to_contain_text("Open")
