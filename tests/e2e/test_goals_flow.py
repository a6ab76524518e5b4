"""Goals in a real browser: the owner sets quarterly revenue and calls goals for a team on the
Goals page, a rep of that team has the page open and sees the revenue goal move when a deal of
theirs is won (written by another process, as the API or an import would), and their bonus
estimate with it, without reloading (real uvicorn, websockets, Redis)."""

from datetime import date

import pytest
from playwright.sync_api import Browser, Page, expect

from crm_core.deals.models import PipelineStage
from crm_core.deals.services import deal_create
from crm_core.goals.motivation import plan_approve, plan_save
from crm_core.parties.services import contact_create
from tenants.identity.models import User
from tests.e2e.test_analytics_flow import in_company, seed
from tests.e2e.test_foundation_flows import sign_in, sign_up

pytestmark = pytest.mark.e2e


def win_a_deal(email: str) -> None:
    rep = User.objects.get(email=email)
    contact = contact_create(actor=rep, data={"first_name": "Quentin"})
    deal_create(
        actor=rep,
        data={
            "title": "Quarter maker",
            "contact": contact,
            "stage": PipelineStage.objects.get(is_won=True),
            "amount": 5000,
            "currency": "RUB",
        },
    )


def plan_for_rep(email: str, owner_email: str) -> None:
    """The owner's approved plan: 10 % of every deal the rep wins."""
    owner = User.objects.get(email=owner_email)
    plan = plan_save(
        actor=owner,
        data={
            "name": "Ten per cent",
            "basis": "won",
            "effective_from": date(2026, 1, 1),
            "people": [User.objects.get(email=email)],
            "components": [{"kind": "commission", "name": "Cut", "tiers": [{"rate": 10}]}],
        },
    )
    plan_approve(actor=owner, plan=plan)


def money(text: str) -> int:
    return int(text.replace("RUB", "").replace(",", "").strip())


def test_an_owner_sets_team_goals_and_a_rep_sees_a_won_deal_move_theirs_live(
    page: Page, browser: Browser, site, django_db_blocker
):
    sign_up(
        page,
        site,
        company="Goal Co",
        subdomain="goal-co",
        owner="Gala Goal",
        email="gala@goal.test",
    )
    people = seed("goal_co", "gala@goal.test", django_db_blocker)
    in_company("goal_co", django_db_blocker, lambda: plan_for_rep(people["rita"], "gala@goal.test"))

    page.get_by_test_id("nav-goals").click()
    expect(page.get_by_test_id("goals-empty")).to_be_visible()
    for metric, target in (("Revenue won", "50000"), ("Calls logged", "30")):
        page.get_by_test_id("nav-goals").click()
        page.get_by_test_id("goal-new").click()
        form = page.get_by_test_id("goal-form")
        form.get_by_label("Metric", exact=True).select_option(label=metric)
        form.get_by_label("For", exact=True).select_option(label="Team")
        form.get_by_label("Team", exact=True).select_option(label="North")
        form.get_by_label("Period", exact=True).select_option(label="Quarter")
        form.get_by_label("Target", exact=True).fill(target)
        form.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"{metric} · North")

    rep = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    rep.context.set_default_timeout(15_000)
    sign_in(rep, site, "goal-co", people["rita"])
    rep.get_by_test_id("nav-goals").click()
    rep.get_by_test_id("goals-tabs").locator("..").get_by_role("link", name="Quarter").click()
    expect(rep.get_by_test_id("period-name")).to_contain_text("Q")
    goals = rep.get_by_test_id("goals-body")
    expect(goals).to_contain_text("Revenue won")
    expect(goals).to_contain_text("Calls logged")
    revenue = goals.locator("[data-testid^=goal-]").filter(has_text="Revenue won").first
    before = money(revenue.get_by_test_id("goal-fact").inner_text())
    bonus = money(rep.get_by_test_id("bonus-estimate").inner_text())
    expect(rep.locator("[data-live='/ws/goals/']")).to_have_class("live-connected")

    in_company("goal_co", django_db_blocker, lambda: win_a_deal(people["rita"]))
    expect(revenue.get_by_test_id("goal-fact")).to_have_text(f"{before + 5000:,} RUB")
    expect(rep.get_by_test_id("bonus-estimate")).to_have_text(f"{bonus + 500:,} RUB")
