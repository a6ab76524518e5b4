"""Motivation in a real browser: the owner drafts a plan paying 10 % of paid orders and
approves it; the head of sales closes October; the rep reads and acknowledges her statement;
the order is returned afterwards (by another process, as the API would) and November's
statement claws the commission back."""

from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    order_status_change,
)
from tenants.identity.models import User
from tests.e2e.test_analytics_flow import in_company, seed
from tests.e2e.test_foundation_flows import sign_in, sign_up
from tests.sales_history import paid_order

pytestmark = pytest.mark.e2e


def test_a_head_closes_october_the_rep_acknowledges_and_a_return_claws_back_in_november(
    page: Page, browser: Browser, site, django_db_blocker
):
    sign_up(
        page,
        site,
        company="Bonus Co",
        subdomain="bonus-co",
        owner="Bea Bonus",
        email="bea@bonus.test",
    )
    people = seed("bonus_co", "bea@bonus.test", django_db_blocker)

    def ritas_order() -> dict:
        rita = User.objects.get(email=people["rita"])
        order = paid_order(rita, day=date(2026, 10, 15))
        return {"order": order.pk, "number": order.number, "rita": rita.pk}

    made = in_company("bonus_co", django_db_blocker, ritas_order)

    page.get_by_test_id("nav-goals").click()
    page.get_by_test_id("tab-plans").click()
    page.get_by_test_id("plan-new").click()
    form = page.get_by_test_id("plan-form")
    form.locator("#id_name").fill("Field sales")
    form.get_by_label("Counts sales").select_option(label="Orders paid")
    form.get_by_label("Effective from").fill("2026-01-01")
    form.get_by_label("People").select_option(label="Rita Rep")
    part = page.get_by_test_id("component-1")
    part.get_by_label("Pays").select_option(label="A commission on sales")
    part.get_by_label("Name", exact=True).fill("Commission")
    part.get_by_label("Rate table").fill("0+: 10")
    page.get_by_test_id("plan-save").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
    page.get_by_test_id("plan-approve").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Approved")

    head = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    head.context.set_default_timeout(15_000)
    sign_in(head, site, "bonus-co", people["head"])
    expect(head.get_by_test_id("user-menu")).to_be_visible()
    head.goto(site("bonus-co", "/goals/statements/?month=2026-10"))
    row = head.get_by_test_id(f"statement-{made['rita']}")
    expect(row).to_contain_text("100 RUB")
    expect(row).to_contain_text("Estimate, open month")
    head.get_by_test_id("month-close").click()
    expect(head.get_by_test_id(f"statement-{made['rita']}")).to_contain_text("Closed")

    rep = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    rep.context.set_default_timeout(15_000)
    sign_in(rep, site, "bonus-co", people["rita"])
    expect(rep.get_by_test_id("user-menu")).to_be_visible()
    rep.goto(site("bonus-co", "/goals/statements/?month=2026-10"))
    rep.get_by_role("link", name="Rita Rep").click()
    expect(rep.get_by_test_id("statement-total")).to_have_text("100 RUB")
    expect(rep.get_by_test_id("statement-lines")).to_contain_text(made["number"])
    rep.get_by_test_id("acknowledge").click()
    expect(rep.get_by_test_id("statement-state")).to_contain_text("Acknowledged on")

    def returned() -> None:
        owner = User.objects.get(email="bea@bonus.test")
        order_status_change(
            actor=owner, order=Order.objects.get(pk=made["order"]), status="returned"
        )

    in_company("bonus_co", django_db_blocker, returned)
    rep.goto(site("bonus-co", f"/goals/statements/{made['rita']}/2026-11/"))
    expect(rep.get_by_test_id("line-clawback")).to_contain_text("paid in the statement of 2026-10")
    expect(rep.get_by_test_id("statement-total")).to_have_text("-100 RUB")
