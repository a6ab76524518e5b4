"""The forecast (issue 24): open deals by expected close month and forecast category (chosen on
the deal or taken from its stage's probability), weighted by probability, against won revenue,
in the base currency; omitted and undated deals said; a rep sees their own."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.analytics.forecast import forecast
from crm_core.analytics.metrics import Scope
from crm_core.analytics.periods import Period
from crm_core.deals.models import Deal, PipelineStage
from crm_core.deals.services import deal_create
from crm_core.parties.services import contact_create
from crm_core.workspace.services import exchange_rate_add
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

AHEAD = Period(date(2026, 12, 1), date(2027, 2, 28))


@pytest.fixture
def pipeline_ahead(tenant_a):
    owner = tenant_a.owner()
    rita = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    rob = tenant_a.make_user(Role.SALES_REP, full_name="Rob Rep")
    with tenant_a.active():
        exchange_rate_add(currency="EUR", valid_from=date(2026, 1, 1), rate=Decimal("100"))
        stages = {stage.name: stage for stage in PipelineStage.objects.all()}
        mira = contact_create(actor=rita, data={"first_name": "Mira"})
        oleg = contact_create(actor=rob, data={"first_name": "Oleg"})

        def deal(actor, contact, stage, amount, currency="RUB", close=None, category=""):
            return deal_create(
                actor=actor,
                data={
                    "title": f"{stage} {amount}",
                    "contact": contact,
                    "stage": stages[stage],
                    "amount": Decimal(amount),
                    "currency": currency,
                    "expected_close": close,
                    "forecast_category": category,
                },
            )

        deal(rita, mira, "Proposal", "1000", close=date(2026, 12, 20))
        deal(rita, mira, "Negotiation", "100", "EUR", date(2027, 1, 10), "commit")
        deal(rob, oleg, "Incoming", "500", close=date(2027, 1, 15))
        deal(rob, oleg, "Qualified", "700", close=date(2026, 12, 25), category="omitted")
        deal(rob, oleg, "Incoming", "300")
        won = deal(rita, mira, "Won", "2000")
        Deal.objects.filter(pk=won.pk).update(
            closed_at=datetime(2026, 12, 3, 10, tzinfo=timezone.get_current_timezone())
        )
    return owner, rita, rob


def test_open_deals_by_month_and_category_against_revenue_won(tenant_a, pipeline_ahead):
    owner, rita, rob = pipeline_ahead
    with tenant_a.active():
        result = forecast(user=owner, period=AHEAD, scope=Scope())
    december, january, february = result.months
    assert december.won == Decimal("2000.00")
    assert december.by_category == {
        "commit": Decimal("0.00"),
        "best_case": Decimal("1000.00"),
        "pipeline": Decimal("0.00"),
    }
    assert december.weighted == Decimal("500.00")
    assert january.by_category["commit"] == Decimal("10000.00")  # 100 EUR at 100
    assert january.by_category["pipeline"] == Decimal("500.00")
    assert january.weighted == Decimal("7550.00")
    assert january.deals == 2
    assert february.deals == 0
    assert result.total.weighted == Decimal("8050.00")
    assert (result.omitted, result.undated) == (1, 1)


def test_a_rep_sees_their_forecast_and_the_page_opens_a_month(tenant_a, pipeline_ahead):
    owner, rita, rob = pipeline_ahead
    with tenant_a.active():
        robs = forecast(user=rob, period=AHEAD, scope=Scope())
    assert robs.total.by_category["pipeline"] == Decimal("500.00")
    assert robs.total.won == Decimal("0.00")
    page = tenant_a.client(owner).get("/analytics/forecast/?from=2026-12-01&to=2027-02-28")
    text = page.content.decode()
    table = text.split('data-testid="forecast-table"', 1)[1]
    assert "2027-01" in table
    assert "10,000 RUB" in table
    assert (
        "/deals/list/?status=open&amp;close_after=2027-01-01&amp;close_before=2027-01-31" in table
    )
    assert "1 open deal has no expected close date" in text
    assert "1 deal is left out of the forecast by its owner." in text
    russian = tenant_a.client(owner, HTTP_ACCEPT_LANGUAGE="ru").get(
        "/analytics/forecast/?from=2026-12-01&to=2027-02-28"
    )
    assert "10\xa0000 RUB" in russian.content.decode()
    data = tenant_a.client(rob).get("/api/v1/analytics/forecast/?from=2026-12-01&to=2027-02-28")
    assert data.json()["total"]["pipeline"] == "500.00"


def test_the_forecast_category_is_chosen_on_the_deal_and_refused_when_unknown(
    tenant_a, pipeline_ahead
):
    owner, rita, rob = pipeline_ahead
    client = tenant_a.client(owner)
    with tenant_a.active():
        deal = Deal.objects.get(title="Proposal 1000")
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="deal-forecast">Best case <span' in page
    refused = client.patch(
        f"/api/v1/deals/{deal.pk}/",
        {"forecast_category": "certain", "version": deal.version},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert list(refused.json()) == ["forecast_category"]
    saved = client.patch(
        f"/api/v1/deals/{deal.pk}/",
        {"forecast_category": "commit", "version": deal.version},
        content_type="application/json",
    )
    assert saved.json()["forecast_category"] == "commit"
