"""Goals: set one or many, attainment from the records as they are written (fact, share, pace,
forecast), alerts at 50/90/100 %, team goals over dated membership, ramp-up, closing a period,
who sees and sets which goals, the cockpit, and the API."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.deals.models import PipelineStage
from crm_core.deals.services import deal_create
from crm_core.goals.models import Goal, GoalProgress
from crm_core.goals.periods import goal_period, period_name
from crm_core.goals.selectors import attainments, goals_visible
from crm_core.goals.services import goal_set, goals_close
from crm_core.notifications.models import Notification
from crm_core.parties.services import contact_create
from tenants.identity.models import Team, User
from tenants.identity.roles import Role
from tenants.identity.services.teams import member_move
from tests.sales_history import person_goal

pytestmark = pytest.mark.django_db

NOVEMBER = {"period_kind": "month", "day": date(2026, 11, 5)}


def test_fiscal_periods_follow_the_company_calendar():
    assert goal_period("quarter", date(2026, 5, 10), 4).start == date(2026, 4, 1)
    assert goal_period("quarter", date(2026, 5, 10), 4).end == date(2026, 6, 30)
    assert goal_period("half", date(2027, 2, 1), 4).start == date(2026, 10, 1)
    year = goal_period("year", date(2027, 2, 1), 4)
    assert (year.start, year.end) == (date(2026, 4, 1), date(2027, 3, 31))
    assert period_name("quarter", goal_period("quarter", date(2027, 1, 3), 4), 4) == "Q4 FY2026"
    assert period_name("month", goal_period("month", date(2027, 1, 3)), 4) == "2027-01"


def test_an_owner_sets_a_goal_on_the_page_and_reads_its_attainment(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    response = client.post(
        "/goals/new/",
        {
            "metric": "revenue_won",
            "level": "person",
            "person": rita.pk,
            "period_kind": "month",
            "day": "2026-11-05",
            "target": "22 000",
        },
    )
    with tenant_a.active():
        goal = Goal.objects.get()
    assert response["Location"] == f"/goals/{goal.pk}/"
    assert (goal.period_start, goal.period_end, goal.target) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        Decimal("22000.00"),
    )
    with tenant_a.active():
        (item,) = attainments([Goal.objects.select_related("progress", "person").get()])
    # 1000 RUB + 100 EUR at 100 won in November; the month is over: pace = share
    assert item.fact == Decimal("11000.00")
    assert item.share == 50.0
    assert item.expected == Decimal("22000.00")
    assert item.forecast == Decimal("11000.00")
    assert item.status == "off_track"
    page = client.get("/goals/?kind=month&day=2026-11-05").content.decode()
    assert "Revenue won" in page
    assert "11,000 RUB" in page
    assert "Rita Rep" in page
    detail = client.get(f"/goals/{goal.pk}/").content.decode()
    assert "/analytics/metrics/revenue_won/?from=2026-11-01&amp;to=2026-11-30&amp;person=" in detail
    # the target changed: in the goal's history
    client.post(
        f"/goals/{goal.pk}/",
        {
            "metric": "revenue_won",
            "level": "person",
            "person": rita.pk,
            "period_kind": "month",
            "day": "2026-11-05",
            "target": "20000",
        },
    )
    detail = client.get(f"/goals/{goal.pk}/").content.decode()
    assert "20,000" in detail
    assert "22,000" in detail  # the old value, in the history


def test_bad_goals_are_refused_per_field_and_nothing_is_stored(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    response = client.post(
        "/goals/new/",
        {
            "metric": "revenue_won",
            "level": "person",
            "period_kind": "custom",
            "period_start": "2026-11-30",
            "period_end": "2026-11-01",
            "target": "lots",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose a person whose goals you set." in page
    assert "The last day comes before the first." in page
    assert "Enter a number." in page
    with tenant_a.active():
        with pytest.raises(Exception, match="Unknown field"):
            goal_set(actor=owner, data={"metric": "calls", "colour": "red"})
        person_goal(owner, rita, "calls", 5, **NOVEMBER)
        with pytest.raises(Exception, match="already set for this period"):
            person_goal(owner, rita, "calls", 9, **NOVEMBER)
        assert Goal.objects.get().target == 5


def won_deal(actor, contact, amount="1000"):
    return deal_create(
        actor=actor,
        data={
            "title": f"Won {amount}",
            "contact": contact,
            "stage": PipelineStage.objects.get(is_won=True),
            "amount": Decimal(amount),
            "currency": "RUB",
        },
    )


def test_a_won_deal_moves_the_goal_at_once_and_tells_at_50_90_and_100(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Vera Rep")
    with tenant_a.active():
        team = Team.objects.create(name="East")
        member_move(user=rep, team=team)
        head = User.objects.create_user(
            email="head@east.test", full_name="Hugo Head", role=Role.SALES_HEAD, team=team
        )
        goal = person_goal(owner, rep, "deals_won", 2)
        contact = contact_create(actor=rep, data={"first_name": "Lena"})
        with django_capture_on_commit_callbacks(execute=True):
            won_deal(rep, contact)
        progress = GoalProgress.objects.get(goal=goal)
        assert progress.fact == 1
        told = Notification.objects.filter(kind=Notification.Kind.GOAL_REACHED)
        # the person and their head (the owner only hears where a team has no head)
        assert sorted(told.values_list("recipient__full_name", flat=True)) == [
            "Hugo Head",
            "Vera Rep",
        ]
        assert "50%" in told.filter(recipient=rep).get().text
        with django_capture_on_commit_callbacks(execute=True):
            won_deal(rep, contact)
        progress = GoalProgress.objects.get(goal=goal)
        assert progress.fact == 2
        assert progress.told_share == 100
        assert "100%" in told.filter(recipient=head).first().text
        # another deal in the period of a goal already past 100 % tells nobody again
        count = told.count()
        with django_capture_on_commit_callbacks(execute=True):
            won_deal(rep, contact)
        assert told.count() == count
        assert head.pk  # the head was told about their team's person


def test_a_teams_goal_counts_each_member_for_their_days_and_may_sum_their_targets(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        south = Team.objects.create(name="South")
        member_move(user=rita, team=north, since=date(2026, 10, 1))
        member_move(user=rita, team=south, since=date(2026, 11, 15))
        member_move(user=rob, team=south, since=date(2026, 10, 1))
        own = goal_set(
            actor=owner,
            data={
                "metric": "revenue_won",
                "level": "team",
                "team": south.pk,
                "target": "30000",
                **NOVEMBER,
            },
        )
        for person, target in ((rita, "10000"), (rob, "5000")):
            person_goal(owner, person, "deals_won", target, **NOVEMBER)
        summed = goal_set(
            actor=owner,
            data={
                "metric": "deals_won",
                "level": "team",
                "team": south.pk,
                "team_target": "sum",
                **NOVEMBER,
            },
        )
        items = {
            item.goal.pk: item
            for item in attainments(list(Goal.objects.select_related("progress", "person")))
        }
    # South in November: Rita's 100 EUR (at 100) won on the 20th and Rob's 80 EUR (at 90) on
    # the 2nd; Rita's 1000 RUB on the 10th was North's
    assert items[own.pk].fact == Decimal("17200.00")
    assert items[summed.pk].target == Decimal("15000.00")
    assert items[summed.pk].fact == 2


def test_a_new_hire_carries_the_ramped_share_of_the_target(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    today = timezone.localdate()
    with tenant_a.active():
        User.objects.filter(pk=rep.pk).update(date_joined=timezone.now())
        goal = person_goal(owner, rep, "calls", "100", ramp="25, 50")
        month_end = goal_period("month", today).end
        later = person_goal(
            owner, rep, "calls", "100", ramp=[25, 50], day=month_end + timedelta(days=10)
        )
        third = person_goal(
            owner, rep, "meetings", "100", ramp=[25, 50], day=month_end + timedelta(days=40)
        )
        targets = {
            item.goal.pk: item.target
            for item in attainments(list(Goal.objects.select_related("progress", "person")))
        }
    assert targets[goal.pk] == Decimal("25.00")
    assert targets[later.pk] == Decimal("50.00")
    assert targets[third.pk] == Decimal("100.00")


def test_a_closed_period_freezes_its_figures_and_refuses_changes(
    tenant_a, sales, django_capture_on_commit_callbacks
):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    with tenant_a.active():
        goal = person_goal(owner, rita, "deals_won", 4, **NOVEMBER)
    response = client.post("/goals/close/", {"kind": "month", "day": "2026-11-01"}, follow=True)
    assert "1 goal frozen" in response.content.decode()
    with tenant_a.active():
        goal.refresh_from_db()
        assert (goal.closed_fact, goal.closed_target) == (Decimal("2.00"), Decimal("4.00"))
        # a deal backdated into November after the close does not move the frozen figure
        with django_capture_on_commit_callbacks(execute=True):
            deal = won_deal(rita, contact_create(actor=rita, data={"first_name": "Late"}))
            deal.__class__.objects.filter(pk=deal.pk).update(
                closed_at=timezone.make_aware(timezone.datetime(2026, 11, 29, 12))
            )
        (item,) = attainments([Goal.objects.select_related("progress", "person").get()])
        assert item.fact == Decimal("2.00")
        assert item.status == "closed"
        with pytest.raises(Exception, match="closed"):
            goal_set(actor=owner, data={"target": 1}, goal=goal)
        with pytest.raises(Exception, match="No open goals"):
            goals_close(
                actor=owner,
                period_kind="month",
                start=date(2026, 11, 1),
                end=date(2026, 11, 30),
            )
    assert client.post(f"/goals/{goal.pk}/", {"target": "1"}).status_code == 403
    # the current period cannot be closed before it ends
    today = timezone.localdate()
    response = client.post(
        "/goals/close/", {"kind": "month", "day": today.isoformat()}, follow=True
    )
    assert "A period is closed after its last day." in response.content.decode()


def test_who_sees_and_sets_which_goals(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        member_move(user=rita, team=north)
        head = User.objects.create_user(
            email="head@north.test", full_name="Nora Head", role=Role.SALES_HEAD
        )
        member_move(user=head, team=north)
        head.refresh_from_db()
        goals = {
            name: goal_set(actor=owner, data={"metric": "calls", "target": 10, **NOVEMBER, **data})
            for name, data in {
                "rita": {"level": "person", "person": rita.pk},
                "rob": {"level": "person", "person": rob.pk},
                "north": {"level": "team", "team": north.pk},
                "company": {"level": "company"},
            }.items()
        }
        seen = {
            user.full_name: sorted(
                name for name, goal in goals.items() if goals_visible(user).filter(pk=goal.pk)
            )
            for user in (rita, rob, head)
        }
    assert seen == {
        "Rita Rep": ["company", "north", "rita"],
        "Rob Rep": ["company", "rob"],
        "Nora Head": ["company", "north", "rita"],
    }
    rep_client = tenant_a.client(rob)
    assert rep_client.get("/goals/new/").status_code == 403
    assert rep_client.get(f"/goals/{goals['rita'].pk}/").status_code == 404
    assert rep_client.post(f"/goals/{goals['rob'].pk}/delete/").status_code == 403
    head_client = tenant_a.client(head)
    # a head sets goals for their team's people, not for others
    response = head_client.post(
        "/goals/new/",
        {
            "metric": "meetings",
            "level": "person",
            "person": rob.pk,
            "period_kind": "month",
            "target": "3",
        },
    )
    assert "Select a valid choice" in response.content.decode()
    response = head_client.post(
        "/goals/new/",
        {
            "metric": "meetings",
            "level": "person",
            "person": rita.pk,
            "period_kind": "month",
            "target": "3",
        },
    )
    assert response.status_code == 302
    with tenant_a.active():
        assert Goal.objects.filter(metric="meetings").count() == 1


def test_the_grid_sets_many_targets_at_once_or_none(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    page = client.get("/goals/grid/?metric=revenue_won&period_kind=quarter&day=2026-11-05")
    assert f'name="target-{rita.pk}"' in page.content.decode()
    form = {"metric": "revenue_won", "period_kind": "quarter", "day": "2026-11-05"}
    response = client.post(
        "/goals/grid/", {**form, f"target-{rita.pk}": "90000", f"target-{rob.pk}": "-5"}
    )
    assert response.status_code == 400
    assert "Enter a number from 0 up to 10^16." in response.content.decode()
    with tenant_a.active():
        assert not Goal.objects.exists()
    response = client.post(
        "/goals/grid/", {**form, f"target-{rita.pk}": "90000", f"target-{rob.pk}": "60000"}
    )
    assert response.status_code == 302
    with tenant_a.active():
        saved = dict(Goal.objects.values_list("person__full_name", "target"))
        quarter = Goal.objects.values_list("period_start", "period_end").distinct().get()
    assert saved == {"Rita Rep": Decimal("90000.00"), "Rob Rep": Decimal("60000.00")}
    assert quarter == (date(2026, 10, 1), date(2026, 12, 31))
    # the grid again changes Rita's target and leaves Rob's (empty) as it is
    client.post("/goals/grid/", {**form, f"target-{rita.pk}": "95000", f"target-{rob.pk}": ""})
    with tenant_a.active():
        saved = dict(Goal.objects.values_list("person__full_name", "target"))
    assert saved == {"Rita Rep": Decimal("95000.00"), "Rob Rep": Decimal("60000.00")}


def test_the_cockpit_shows_people_by_kpi_with_the_previous_period_and_a_leaderboard(
    tenant_a, sales
):
    owner, rita, rob, north = sales
    with tenant_a.active():
        for person, target, day in (
            (rita, 1, date(2026, 11, 5)),
            (rob, 4, date(2026, 11, 5)),
            (rob, 2, date(2026, 10, 5)),
        ):
            person_goal(owner, person, "deals_won", target, period_kind="month", day=day)
    client = tenant_a.client(owner)
    page = client.get("/goals/cockpit/?kind=month&day=2026-11-05").content.decode()
    assert f'data-testid="cell-{rita.pk}-deals_won"' in page
    assert "200.0 %" in page  # Rita: 2 of 1
    assert "25.0 %" in page  # Rob: 1 of 4
    leaderboard = page[page.index('data-testid="leaderboard"') :]
    assert leaderboard.index("Rita Rep") < leaderboard.index("Rob Rep")
    assert "/analytics/metrics/deals_won/?from=2026-11-01&amp;to=2026-11-30&amp;person=" in page
    data = client.get("/api/v1/goals/cockpit/?kind=month&day=2026-11-05").json()
    assert [leader["name"] for leader in data["leaders"]] == ["Rita Rep", "Rob Rep"]
    rob_row = next(row for row in data["rows"] if row["name"] == "Rob Rep")
    assert rob_row["previous"] == {"deals_won": "1.00"}  # Rob won one deal in October
    # a rep's cockpit holds only their own row
    data = tenant_a.client(rob).get("/api/v1/goals/cockpit/?kind=month&day=2026-11-05").json()
    assert [row["name"] for row in data["rows"]] == ["Rob Rep"]


def test_goals_through_the_api(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    body = {
        "metric": "revenue_won",
        "level": "person",
        "person": rita.pk,
        "target": "22000",
        "period_kind": "month",
        "day": "2026-11-05",
    }
    refused = client.post("/api/v1/goals/", {**body, "bonus": 1}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json() == {"bonus": ["Unknown field."]}
    refused = client.post(
        "/api/v1/goals/", {**body, "person": 999999}, content_type="application/json"
    )
    assert refused.json() == {"person": ["Choose a person whose goals you set."]}
    created = client.post("/api/v1/goals/", body, content_type="application/json")
    assert created.status_code == 201
    goal = created.json()
    assert (goal["fact"], goal["share"], goal["target"]) == ("11000.00", 50.0, "22000.00")
    changed = client.patch(
        f"/api/v1/goals/{goal['id']}/", {"target": "11000"}, content_type="application/json"
    )
    assert changed.json()["share"] == 100.0
    listed = client.get("/api/v1/goals/?kind=month&day=2026-11-05").json()
    assert [row["id"] for row in listed] == [goal["id"]]
    assert client.get("/api/v1/goals/?colour=red").json() == {"colour": ["Unknown parameter."]}
    rep = tenant_a.client(rob)
    assert rep.get(f"/api/v1/goals/{goal['id']}/").status_code == 404
    assert rep.post("/api/v1/goals/", body, content_type="application/json").status_code == 400
    assert client.delete(f"/api/v1/goals/{goal['id']}/").status_code == 204
