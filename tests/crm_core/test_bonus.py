"""Bonus plans and statements (issue 25): a plan that does not add up is refused naming the
part; commission by marginal tiers or brackets, a bonus by attainment on a curve, caps,
gates, split credit, the credit to the owner when a deal is won; a month closed as a snapshot;
clawback in the next month; adjustments, acknowledgement and questions; the what-if."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm_core.analytics.periods import Period
from crm_core.commerce.models import Payment
from crm_core.deals.models import CreditSplit, Deal, PipelineStage
from crm_core.deals.services import deal_create, deal_credit_set, deal_move
from crm_core.goals.models import BonusPlan, Statement
from crm_core.goals.motivation import (
    adjustment_add,
    line_question,
    plan_approve,
    plan_new_version,
    plan_save,
    statement_acknowledge,
    statement_view,
    statements_close,
    what_if,
)
from crm_core.goals.plans import compute, curve_pays, plan_check
from crm_core.goals.services import goals_refresh
from crm_core.notifications.models import Notification
from crm_core.parties.services import contact_create
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.services.teams import member_move
from tests.sales_history import paid_order, person_goal

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
TIERS = [{"from": 0, "to": 5000, "rate": 2}, {"from": 5000, "to": None, "rate": 5}]
COMMISSION = {"kind": "commission", "name": "Commission", "base": "revenue", "tiers": TIERS}


def approved(owner, *people, **data) -> BonusPlan:
    plan = plan_save(
        actor=owner,
        data={
            "name": data.pop("name", "Sales plan"),
            "basis": data.pop("basis", "won"),
            "effective_from": date(2026, 1, 1),
            "people": list(people),
            "components": [COMMISSION],
            **data,
        },
    )
    return plan_approve(actor=owner, plan=plan)


def amounts(computed) -> list[tuple[str, str, Decimal]]:
    return [(line.kind, line.title, line.amount) for line in computed.lines]


def test_a_plan_that_does_not_add_up_is_refused_naming_the_part(tenant_a):
    with tenant_a.active(), pytest.raises(ValidationError) as caught:
        plan_check(
            basis="won",
            components=[
                {
                    "kind": "commission",
                    "name": "Overlapping",
                    "tiers": [{"from": 0, "to": 100, "rate": 2}, {"from": 50, "rate": 3}],
                },
                {
                    "kind": "commission",
                    "name": "Gap",
                    "base": "margin",
                    "tiers": [{"from": 0, "to": 100, "rate": 2}, {"from": 200, "rate": 3}],
                },
                {
                    "kind": "attainment",
                    "name": "Bonus",
                    "metric": "calls",
                    "bonus": "100",
                    "levels": [{"at": 100, "pays": 100}, {"at": 80, "pays": 80}],
                },
                {"kind": "raffle", "name": "Bonus"},
            ],
            gates=[{"metric": "karma", "min_share": 70}],
        )
    errors = caught.value.message_dict
    assert errors["components.1.tiers"] == ["Tiers 1 and 2 overlap."]
    assert errors["components.2.tiers"] == [
        "Between tiers 1 and 2 amounts earn nothing: make them meet."
    ]
    assert errors["components.2.base"] == [
        "Margin comes from orders: count sales as orders invoiced or paid."
    ]
    assert errors["components.3.levels"] == [
        "Points 1 and 2 overlap: each starts above the one before."
    ]
    assert errors["components.4.kind"] == ["A commission on sales or a bonus by attainment."]
    assert errors["components.4.name"] == ["Two components have this name."]
    assert errors["gates.1.metric"] == ["The gate's metric “karma” does not exist."]


def test_the_curve_pays_nothing_below_its_first_point_straight_between_and_flat_above():
    levels = [
        {"at": "80", "pays": "80"},
        {"at": "100", "pays": "100"},
        {"at": "150", "pays": "200"},
    ]
    assert curve_pays(levels, Decimal(79)) == 0
    assert curve_pays(levels, Decimal(90)) == 90
    assert curve_pays(levels, Decimal(125)) == 150
    assert curve_pays(levels, Decimal(300)) == 200


def test_commission_by_marginal_tiers_and_by_brackets(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        plan = approved(owner, rita)
        # 1000 RUB on 10 November, then 100 EUR at 100 on the 20th: the second sale fills the
        # first tier's last 4000 at 2 % and puts 6000 in the second at 5 %
        computed = compute(rita, NOVEMBER)
        assert [(line.title, line.base, line.rate, line.amount) for line in computed.lines] == [
            ("Won 1000 RUB", Decimal("1000.00"), Decimal(2), Decimal("20.00")),
            ("Won 100 EUR", Decimal("4000.00"), Decimal(2), Decimal("80.00")),
            ("Won 100 EUR", Decimal("6000.00"), Decimal(5), Decimal("300.00")),
        ]
        assert computed.total == Decimal("400.00")
        plan.components = [{**COMMISSION, "mode": "bracket"}]
        plan.save()
        computed = compute(rita, NOVEMBER)
        assert computed.total == Decimal("550.00")  # 11,000 in the 5000+ bracket: 5 % of all
        assert "bracket" in computed.lines[0].tier


def test_attainment_bonus_caps_and_a_gate(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        for metric, target in (("deals_won", 4), ("calls", 10)):
            person_goal(owner, rita, metric, target, period_kind="month", day=date(2026, 11, 5))
        levels = [{"at": 40, "pays": 40}, {"at": 100, "pays": 100}, {"at": 150, "pays": 200}]
        plan = approved(
            owner,
            rita,
            components=[
                {**COMMISSION, "cap": "300"},
                {
                    "kind": "attainment",
                    "name": "Deals bonus",
                    "metric": "deals_won",
                    "bonus": "10000",
                    "levels": levels,
                },
            ],
        )
        computed = compute(rita, NOVEMBER)
        kinds = [(line.kind, line.amount) for line in computed.lines]
        # commission 400 capped at 300; 2 of 4 deals won: 50 % pays 50 % of 10,000
        assert ("cap", Decimal("-100.00")) in kinds
        assert ("bonus", Decimal("5000.00")) in kinds
        assert computed.total == Decimal("5300.00")
        plan.gates = [{"metric": "calls", "min_share": "70"}]
        plan.save()
        computed = compute(rita, NOVEMBER)
        gate = computed.lines[-1]
        assert gate.kind == "gate"
        assert "under the 70 % gate" in gate.note
        assert computed.total == 0


def test_credit_goes_to_the_owner_when_won_and_splits_must_add_up(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        deal = Deal.objects.get(title="Won 1000 RUB")
        assert list(deal.credit_splits.values_list("person", "share")) == [(rita.pk, 100)]
        with pytest.raises(ValidationError) as caught:
            deal_credit_set(
                actor=owner,
                deal=deal,
                splits=[
                    {"person": rita, "share": Decimal(60), "kind": "revenue"},
                    {"person": rob, "share": Decimal(60), "kind": "revenue"},
                ],
            )
        assert caught.value.message_dict["splits"] == [
            "Revenue splits total 120 %; they must total 100 % (overlays come on top)."
        ]
        with pytest.raises(PermissionDenied):
            deal_credit_set(actor=rita, deal=deal, splits=[])
        head = User.objects.create_user(email="h@a.test", full_name="Head", role=Role.SALES_HEAD)
        deal_credit_set(
            actor=owner,
            deal=deal,
            splits=[
                {"person": rita, "share": Decimal(60), "kind": "revenue"},
                {"person": rob, "share": Decimal(40), "kind": "revenue"},
                {"person": head, "share": Decimal(10), "kind": "overlay"},
            ],
        )
        approved(owner, rita, rob, head)
        lines = {
            person.full_name: [(line.title, line.base) for line in compute(person, NOVEMBER).lines]
            for person in (rita, rob, head)
        }
    assert lines["Rita Rep"][0] == ("Won 1000 RUB", Decimal("600.00"))
    assert ("Won 1000 RUB", Decimal("400.00")) in lines["Rob Rep"]
    assert lines["Head"] == [("Won 1000 RUB", Decimal("100.00"))]


def test_a_closed_month_is_a_snapshot_and_a_lost_sale_is_clawed_back_next_month(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        approved(owner, rita)
        assert statements_close(actor=owner, period=NOVEMBER) == 1
        statement = Statement.objects.get(person=rita)
        assert statement.total == Decimal("400.00")
        # the 100 EUR deal is reopened in December: November's statement stays as closed,
        # December's takes back what was paid for it at the rates it was paid at
        deal = Deal.objects.get(title="Won 100 EUR")
        open_stage = PipelineStage.objects.filter(is_won=False, is_lost=False).first()
        deal_move(actor=owner, deal=deal, stage=open_stage)
        view = statement_view(rita, NOVEMBER)
        assert view.closed == statement
        assert view.total == Decimal("400.00")
        december = compute(rita, DECEMBER)
        assert [(line.kind, line.amount) for line in december.lines] == [
            ("clawback", Decimal("-80.00")),
            ("clawback", Decimal("-300.00")),
        ]
        assert "paid in the statement of 2026-11" in december.lines[0].note
        # the same month cannot be closed twice; a month not over cannot be closed
        assert statements_close(actor=owner, period=NOVEMBER) == 0
        today = timezone.localdate()
        with pytest.raises(ValidationError):
            statements_close(actor=owner, period=Period(today.replace(day=1), today))


def test_adjustments_acknowledgement_and_questions_keep_to_their_people(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        approved(owner, rita, rob)
        statements_close(actor=owner, period=NOVEMBER)
        statement = Statement.objects.get(person=rita)
        with pytest.raises(ValidationError) as caught:
            adjustment_add(
                actor=owner, person=rita, period_start=date(2026, 11, 1), amount=None, reason=""
            )
        assert set(caught.value.message_dict) == {"amount", "reason"}
        with pytest.raises(PermissionDenied):
            adjustment_add(
                actor=rob,
                person=rita,
                period_start=date(2026, 11, 1),
                amount=Decimal(5),
                reason="friendly",
            )
        adjustment_add(
            actor=owner,
            person=rita,
            period_start=date(2026, 11, 14),
            amount=Decimal("-50"),
            reason="Duplicate deal",
        )
        assert statement_view(rita, NOVEMBER).total == Decimal("350.00")
        with pytest.raises(PermissionDenied):
            statement_acknowledge(actor=rob, statement=statement)
        statement_acknowledge(actor=rita, statement=statement)
        line = statement.lines.first()
        with pytest.raises(PermissionDenied):
            line_question(actor=rob, line=line, text="Why?")
        line_question(actor=rita, line=line, text="Why 2 % here?")
        statement.refresh_from_db()
        assert statement.acknowledged_at is not None
        assert line.questions.get().text == "Why 2 % here?"


def test_a_locked_plan_changes_by_a_new_version_and_the_what_if(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        plan = approved(owner, rita)
        with pytest.raises(ValidationError, match="locked"):
            plan_save(actor=owner, plan=plan, data={"name": "Other"})
        with pytest.raises(PermissionDenied):
            plan_save(actor=rita, data={"name": "Mine"})
        today = timezone.localdate()
        second = plan_new_version(actor=owner, plan=plan, effective_from=today.replace(day=1))
        plan_save(
            actor=owner,
            plan=second,
            data={"components": [{**COMMISSION, "tiers": [{"from": 0, "rate": 10}]}]},
        )
        plan_approve(actor=owner, plan=second)
        plan.refresh_from_db()
        assert plan.effective_to == second.effective_from - timedelta(days=1)
        deal = Deal.objects.filter(closed_at=None).get(owner=rob)
        deal.owner = rita
        deal.save()
        # an open deal of 300 RUB, won today under the new version's 10 %: adds 30
        assert what_if(deal) == Decimal("30.00")
        won = deal_create(
            actor=rita,
            data={
                "title": "Today",
                "contact": contact_create(actor=rita, data={"first_name": "T"}),
                "stage": PipelineStage.objects.get(is_won=True),
                "amount": Decimal(100),
            },
        )
        assert what_if(won) is None
        assert CreditSplit.objects.filter(deal=won, person=rita).exists()


def test_paid_and_invoiced_orders_and_a_refund_clawed_back_next_month(tenant_a):
    """Orders count for their owner on the day they are invoiced (placed) or paid; a refund
    after the month closed (the payment's refunded amount, as the payment provider's webhook
    writes it) is taken back next month in proportion."""
    owner = tenant_a.owner()
    rita = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        order = paid_order(rita, quantity=2)
        components = [{"kind": "commission", "name": "Cut", "tiers": [{"from": 0, "rate": 10}]}]
        plan = approved(owner, rita, basis="paid", components=components)
        assert compute(rita, NOVEMBER).total == Decimal("200.00")
        plan.basis = "invoiced"
        plan.save()
        assert compute(rita, NOVEMBER).total == Decimal("200.00")
        plan.basis = "paid"
        plan.save()
        statements_close(actor=owner, period=NOVEMBER)
        Payment.objects.create(
            order=order,
            status=Payment.Status.PARTIALLY_REFUNDED,
            amount=Decimal("2000"),
            currency="RUB",
            refunded=Decimal("500"),
            checkout_session_id="cs_test_refund",
        )
        december = compute(rita, DECEMBER)
        assert [(line.kind, line.amount) for line in december.lines] == [
            ("clawback", Decimal("-50.00"))
        ]
        assert "counts at 75.0 %" in december.lines[0].note


def test_a_team_component_pays_on_the_teams_sales_for_each_members_days(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        member_move(user=rita, team=north, since=date(2026, 10, 1))
        member_move(user=rob, team=north, since=date(2026, 11, 15))
        head = User.objects.create_user(email="hd@a.test", full_name="Head", role=Role.SALES_HEAD)
        member_move(user=head, team=north, since=date(2026, 10, 1))
        head.refresh_from_db()
        team_cut = {
            "kind": "commission",
            "name": "Team cut",
            "team": True,
            "tiers": [{"from": 0, "rate": 1}],
        }
        approved(owner, head, components=[team_cut])
        computed = compute(head, NOVEMBER)
    # Rita's 1000 RUB and 100 EUR (at 100) count; Rob's 80 EUR of 2 November came before he
    # joined on the 15th
    assert computed.total == Decimal("110.00")
    assert sorted(line.title for line in computed.lines) == ["Won 100 EUR", "Won 1000 RUB"]


def test_falling_behind_pace_tells_the_person_once_a_week(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Slow Rep")
    with tenant_a.active():
        goal = person_goal(
            owner,
            rep,
            "calls",
            100,
            period_kind="custom",
            period_start=date(2026, 11, 1),
            period_end=date(2027, 1, 31),
        )
        told = Notification.objects.filter(kind=Notification.Kind.GOAL_BEHIND, recipient=rep)
        goals_refresh(goal_ids=[goal.pk], today=date(2026, 11, 5))
        assert not told.exists()  # under a quarter of the period: too early to say
        goals_refresh(goal_ids=[goal.pk], today=date(2026, 12, 20))
        assert "behind pace" in told.get().text
        goals_refresh(goal_ids=[goal.pk], today=date(2026, 12, 22))
        assert told.count() == 1
        goals_refresh(goal_ids=[goal.pk], today=date(2026, 12, 28))
        assert told.count() == 2
