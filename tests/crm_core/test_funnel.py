"""The sales funnel (issue 24) from the deals' stage history: deals that entered and reached
each stage, conversion stage to stage, time in stage (median, p90), deals stalled longer than
usual, win rate and velocity; cohort and active modes; the reader's visibility applies."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.analytics.funnel import cohort, funnel, stage_deals
from crm_core.analytics.metrics import Scope
from crm_core.analytics.periods import Period
from crm_core.deals.models import Deal, DealMove, Pipeline
from crm_core.deals.services import deal_create, deal_move
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _day(number: int) -> datetime:
    return datetime(2026, 11, number, 9, tzinfo=timezone.get_current_timezone())


def walk(actor, contact, title: str, path: list[tuple[str, int]], amount="1000") -> Deal:
    """A deal created on the first day of `path` and moved through its (stage, day) steps."""
    pipeline = Pipeline.objects.get()
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    deal = deal_create(
        actor=actor,
        data={
            "title": title,
            "contact": contact,
            "stage": stages[path[0][0]],
            "amount": Decimal(amount),
            "expected_close": date(2026, 12, 20),
            "lost_reason": "price",
        },
    )
    for name, _ in path[1:]:
        deal = deal_move(actor=actor, deal=deal, stage=stages[name])
    for move, (_, day) in zip(deal.moves.order_by("id"), path, strict=True):
        DealMove.objects.filter(pk=move.pk).update(moved_at=_day(day))
    last = _day(path[-1][1])
    Deal.objects.filter(pk=deal.pk).update(
        created_at=_day(path[0][1]),
        stage_entered_at=last,
        closed_at=last if deal.closed_at else None,
    )
    return deal


@pytest.fixture
def history(tenant_a):
    owner = tenant_a.owner()
    rita = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    rob = tenant_a.make_user(Role.SALES_REP, full_name="Rob Rep")
    with tenant_a.active():
        mira = contact_create(actor=rita, data={"first_name": "Mira"})
        oleg = contact_create(actor=rob, data={"first_name": "Oleg"})
        walk(
            rita, mira, "Won one", [("Incoming", 1), ("Qualified", 3), ("Proposal", 6), ("Won", 10)]
        )
        walk(rita, mira, "Lost one", [("Incoming", 1), ("Qualified", 2), ("Lost", 5)])
        walk(rita, mira, "Stuck", [("Incoming", 1), ("Qualified", 2)])
        walk(rob, oleg, "Fresh", [("Incoming", 20)])
        pipeline = Pipeline.objects.get()
    return owner, rita, rob, pipeline


def _rows(result) -> dict[str, tuple]:
    return {
        row.stage.name: (row.entered, row.reached, row.conversion, row.median_days, row.stalled)
        for row in result.rows
    }


def test_the_funnel_counts_each_stage_from_the_stage_history(tenant_a, history):
    owner, rita, rob, pipeline = history
    with tenant_a.active():
        result = funnel(user=owner, pipeline=pipeline, period=NOVEMBER, scope=Scope())
    assert _rows(result) == {
        "Incoming": (4, 4, 75.0, 1.0, 1),  # "Fresh" has waited since the 20th
        "Qualified": (3, 3, 33.3, 3.0, 1),
        "Proposal": (1, 1, 100.0, 4.0, 0),
        "Negotiation": (0, 1, 100.0, None, 0),
        "Won": (1, 1, None, None, 0),
        "Lost": (1, 1, None, None, 0),
    }
    assert (result.deals, result.won, result.lost, result.open) == (4, 1, 1, 2)
    assert result.win_rate == 50.0
    assert result.cycle_days == 9.0
    assert result.average_won == Decimal("1000.00")
    # 2 open × 1000 × 50 % / 9 days
    assert result.velocity == Decimal("111.11")
    p90 = next(row for row in result.rows if row.stage.name == "Qualified").p90_days
    assert p90 == 3.0


def test_a_rep_sees_their_own_funnel_and_a_stage_opens_to_its_deals(tenant_a, history):
    owner, rita, rob, pipeline = history
    with tenant_a.active():
        mine = funnel(user=rob, pipeline=pipeline, period=NOVEMBER, scope=Scope())
        assert _rows(mine)["Incoming"][:2] == (1, 1)
        assert _rows(mine)["Qualified"][:2] == (0, 0)
        ritas = funnel(user=owner, pipeline=pipeline, period=NOVEMBER, scope=Scope(person=rita.pk))
        assert ritas.deals == 3
        qualified = pipeline.stages.get(name="Qualified")
        deals = cohort(user=owner, pipeline=pipeline, period=NOVEMBER, scope=Scope(), mode="cohort")
        titles = stage_deals(deals=deals, stage=qualified, mode="cohort", period=NOVEMBER)
        assert sorted(titles.values_list("title", flat=True)) == ["Lost one", "Stuck", "Won one"]


def test_active_mode_counts_the_moves_made_in_the_period(tenant_a, history):
    owner, rita, rob, pipeline = history
    first_week = Period(date(2026, 11, 1), date(2026, 11, 7))
    with tenant_a.active():
        Deal.objects.filter(title="Won one").update(created_at=_day(1) - timedelta(days=60))
        cohort_mode = funnel(user=owner, pipeline=pipeline, period=first_week, scope=Scope())
        active = funnel(
            user=owner, pipeline=pipeline, period=first_week, scope=Scope(), mode="active"
        )
    assert cohort_mode.deals == 2  # "Won one" was created in September
    assert active.deals == 3  # it moved in the first week
    assert _rows(active)["Won"][0] == 0  # it was won on the 10th
    assert _rows(active)["Proposal"][0] == 1


def test_the_funnel_page_drills_into_a_stage_and_its_stalled_deals(tenant_a, history):
    owner, rita, rob, pipeline = history
    client = tenant_a.client(owner)
    page = client.get("/analytics/funnel/?range=this_month&from=2026-11-01&to=2026-11-30")
    text = page.content.decode()
    assert page.status_code == 200
    row = text.split('data-testid="funnel-row-Qualified"', 1)[1].split("</tr>", 1)[0]
    assert ">3<" in row
    assert "33.3" in row
    with tenant_a.active():
        qualified = pipeline.stages.get(name="Qualified")
    drilled = client.get(f"/analytics/funnel/?from=2026-11-01&to=2026-11-30&stage={qualified.pk}")
    deals = drilled.content.decode().split('data-testid="funnel-deals"', 1)[1]
    assert "3 deals reached “Qualified”" in deals
    assert "Stuck" in deals
    assert "Fresh" not in deals
    stalled = client.get(f"/analytics/funnel/?from=2026-11-01&to=2026-11-30&stalled={qualified.pk}")
    deals = stalled.content.decode().split('data-testid="funnel-deals"', 1)[1]
    assert "1 deal stalled in “Qualified”" in deals
    assert "Stuck" in deals
    assert "Won one" not in deals
    wrong = client.get("/analytics/funnel/?mode=sideways&pipeline=999999").content.decode()
    assert "Choose one of the listed modes." in wrong
    assert "Choose one of the listed pipelines." in wrong


def test_the_funnel_api_and_a_reps_view_of_it(tenant_a, history):
    owner, rita, rob, pipeline = history
    data = (
        tenant_a.client(rob).get("/api/v1/analytics/funnel/?from=2026-11-01&to=2026-11-30").json()
    )
    assert data["deals"] == 1
    assert [stage["reached"] for stage in data["stages"]] == [1, 0, 0, 0, 0, 0]
    bad = tenant_a.client(owner).get("/api/v1/analytics/funnel/?mode=x&stage=1")
    assert bad.status_code == 400
    assert bad.json() == {"stage": ["Unknown parameter."]}
    bad = tenant_a.client(owner).get("/api/v1/analytics/funnel/?mode=x")
    assert bad.json() == {"mode": ["Choose one of the listed modes."]}
