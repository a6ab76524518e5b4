"""The metrics layer (issue 24): built-in metrics computed from the records, money converted at
the rate of each amount's day, split by time and person, scoped to a team or a person, limited
to what the reader may see, opened down to the records; bad parts refused per field."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crm_core.activities.services import interaction_log, task_create
from crm_core.analytics.metrics import BUILTIN, Metric, Scope, evaluate, metric_check, records
from crm_core.analytics.periods import Period
from crm_core.deals.models import PipelineStage
from crm_core.parties.services import contact_create
from tests.sales_history import deal_made

pytestmark = pytest.mark.django_db

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
AUTUMN = Period(date(2026, 10, 1), date(2026, 11, 30))


def _value(tenant, user, key, period=NOVEMBER, **kwargs):
    with tenant.active():
        return evaluate(BUILTIN[key], user=user, period=period, **kwargs)


def test_revenue_is_summed_in_the_base_currency_at_each_days_rate(tenant_a, sales):
    owner, rita, rob, north = sales
    # 1000 RUB + 100 EUR at 100 (from 15 November) + 80 EUR at 90
    assert _value(tenant_a, owner, "revenue_won").total.value == Decimal("18200.00")
    assert _value(tenant_a, owner, "deals_won").total.value == 3
    assert _value(tenant_a, owner, "deals_lost").total.value == 1
    assert _value(tenant_a, owner, "win_rate").total.value == 75.0
    assert _value(tenant_a, owner, "average_deal").total.value == Decimal("6066.67")
    # Rita's: 10 and 10 days; Rob's: 1 day
    assert _value(tenant_a, owner, "sales_cycle").total.value == 7.0
    assert _value(tenant_a, owner, "revenue_won", AUTUMN).total.value == Decimal("18700.00")


def test_a_missing_rate_is_named_and_left_out_not_guessed(tenant_a, sales):
    owner, rita, *_ = sales
    with tenant_a.active():
        won = PipelineStage.objects.get(is_won=True)
        contact = contact_create(actor=rita, data={"first_name": "Ulla"})
        deal_made(rita, contact, stage=won, amount="10", currency="USD", closed=date(2026, 11, 12))
    table = _value(tenant_a, owner, "revenue_won")
    assert table.total.value == Decimal("18200.00")
    assert table.missing == ["No USD rate on or before 2026-11-12."]


def test_a_rep_sees_only_their_own_figures_and_a_team_scope_only_its_people(tenant_a, sales):
    owner, rita, rob, north = sales
    assert _value(tenant_a, rita, "revenue_won").total.value == Decimal("11000.00")
    assert _value(tenant_a, rob, "revenue_won").total.value == Decimal("7200.00")
    assert _value(tenant_a, rob, "deals_won", AUTUMN).total.value == 2
    team = _value(tenant_a, owner, "revenue_won", scope=Scope(team=north.pk))
    assert team.total.value == Decimal("11000.00")
    person = _value(tenant_a, owner, "deals_won", scope=Scope(person=rob.pk))
    assert person.total.value == 1


def test_figures_split_by_month_and_person_with_subtotals(tenant_a, sales):
    owner, rita, rob, _ = sales
    table = _value(tenant_a, owner, "revenue_won", AUTUMN, groupings=("month", "owner"))
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    assert table.cells[(october, rob.pk)].value == Decimal("500.00")
    assert table.cells[(november, rita.pk)].value == Decimal("11000.00")
    assert table.cells[(november, rob.pk)].value == Decimal("7200.00")
    assert table.cells[(november,)].value == Decimal("18200.00")
    assert table.names[0][november] == "2026-11"
    assert table.names[1][rita.pk] == "Rita Rep"
    won = _value(tenant_a, owner, "deals_won", AUTUMN, groupings=("owner",))
    assert {key: cell.value for key, cell in won.cells.items()} == {
        (): 4,
        (rita.pk,): 2,
        (rob.pk,): 2,
    }
    rate = _value(tenant_a, owner, "win_rate", groupings=("owner",))
    assert rate.cells[(rita.pk,)].value == 66.7
    assert rate.cells[(rob.pk,)].value == 100.0


def test_every_figure_opens_the_records_behind_it_as_the_reader_sees_them(tenant_a, sales):
    owner, rita, *_ = sales
    with tenant_a.active():
        titles = sorted(
            records(BUILTIN["deals_won"], user=owner, period=NOVEMBER).values_list(
                "title", flat=True
            )
        )
        assert titles == ["Won 100 EUR", "Won 1000 RUB", "Won 80 EUR"]
        mine = records(BUILTIN["win_rate"], user=rita, period=NOVEMBER)
        assert sorted(mine.values_list("title", flat=True)) == ["Won 100 EUR", "Won 1000 RUB"]


def test_activity_task_and_client_metrics(tenant_a, sales):
    owner, rita, *_ = sales
    with tenant_a.active():
        mira = contact_create(actor=rita, data={"first_name": "Nina"})
        for channel in ("call", "call", "meeting", "email"):
            interaction_log(actor=rita, contact=mira, data={"channel": channel, "subject": channel})
        task = task_create(
            actor=rita, data={"title": "Late", "due_at": timezone.now() - timedelta(days=1)}
        )
        assert task.done_at is None
    today = timezone.localdate()
    this_month = Period(today.replace(day=1), today)
    assert _value(tenant_a, owner, "calls", this_month).total.value == 2
    assert _value(tenant_a, owner, "meetings", this_month).total.value == 1
    assert _value(tenant_a, owner, "emails", this_month).total.value == 1
    overdue = _value(tenant_a, owner, "tasks_overdue", Period(today - timedelta(days=3), today))
    assert overdue.total.value == 1
    assert _value(tenant_a, owner, "new_clients", this_month).total.value == 3


def test_parts_that_do_not_fit_are_refused_per_field():
    with pytest.raises(ValidationError) as refused:
        metric_check(
            Metric(
                "x",
                "x",
                "deals",
                "sum",
                date="shipped",
                person="assignee",
                conditions=("won", "nope"),
                amount="cost",
            )
        )
    assert set(refused.value.message_dict) == {"date", "person", "conditions", "amount"}
    with pytest.raises(ValidationError) as ratio:
        metric_check(
            Metric("y", "y", measure="ratio", numerator="win_rate", denominator="deals_won")
        )
    assert set(ratio.value.message_dict) == {"numerator"}
