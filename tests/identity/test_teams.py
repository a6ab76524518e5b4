"""Departments and teams, and dated membership: a person who moves team mid-period counts for
each team for the days they were in it."""

from datetime import date
from decimal import Decimal

import pytest

from crm_core.analytics.metrics import BUILTIN, Scope, evaluate
from crm_core.analytics.periods import Period
from tenants.identity.models import Team, TeamMembership
from tenants.identity.roles import Role
from tenants.identity.services.teams import member_move

pytestmark = pytest.mark.django_db


def test_an_owner_builds_departments_and_teams_and_cannot_loop_them(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    assert client.post("/team/teams/", {"name": "Sales", "parent": ""})["Location"] == "/team/"
    with tenant_a.active():
        sales = Team.objects.get(name="Sales")
    client.post("/team/teams/", {"name": "Moscow", "parent": sales.pk})
    with tenant_a.active():
        moscow = Team.objects.get(name="Moscow")
        assert moscow.parent == sales
    page = client.get("/team/").content.decode()
    assert page.index("Sales") < page.index("Moscow")
    # Sales under Moscow would make a loop: refused, named on the field, nothing changed
    response = client.post(f"/team/teams/{sales.pk}/", {"name": "Sales", "parent": moscow.pk})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with tenant_a.active():
        assert Team.objects.get(pk=sales.pk).parent is None
    # a duplicate name is refused with its reason
    client.post("/team/teams/", {"name": "moscow", "parent": ""})
    with tenant_a.active():
        assert Team.objects.filter(name__iexact="moscow").count() == 1
    # a team with a team under it is not deleted
    response = client.post(f"/team/teams/{sales.pk}/", {"delete": "1"}, follow=True)
    assert "Move or delete the teams under" in response.content.decode()
    with tenant_a.active():
        assert Team.objects.filter(pk=sales.pk).exists()


def test_a_rep_is_refused_managing_teams(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    client = tenant_a.client(rep)
    assert client.post("/team/teams/", {"name": "Rogue"}).status_code == 403
    with tenant_a.active():
        team = Team.objects.create(name="North")
    assert client.get(f"/team/teams/{team.pk}/").status_code == 403
    assert client.post(f"/team/teams/{team.pk}/", {"delete": "1"}).status_code == 403
    with tenant_a.active():
        assert Team.objects.filter(pk=team.pk).exists()


def test_a_move_is_dated_and_each_team_is_credited_for_its_days(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        south = Team.objects.create(name="South")
        member_move(user=rita, team=north, since=date(2026, 10, 1))
    client = tenant_a.client(owner)
    response = client.post(
        f"/team/{rita.pk}/", {"role": "sales_rep", "team": south.pk, "since": "2026-11-15"}
    )
    assert response["Location"] == "/team/"
    with tenant_a.active():
        rita.refresh_from_db()
        assert rita.team == south
        rows = list(
            TeamMembership.objects.filter(user=rita).values_list("team", "started_on", "ended_on")
        )
        assert rows == [
            (north.pk, date(2026, 10, 1), date(2026, 11, 14)),
            (south.pk, date(2026, 11, 15), None),
        ]
        november = Period(date(2026, 11, 1), date(2026, 11, 30))
        metric = BUILTIN["revenue_won"]

        def revenue(team):
            return evaluate(
                metric, user=owner, period=november, scope=Scope(team=team.pk)
            ).total.value

        # 1000 RUB won on 10 November counts for North, 100 EUR (at 100) on the 20th for South
        assert revenue(north) == Decimal("1000.00")
        assert revenue(south) == Decimal("10000.00")
    page = client.get(f"/team/{rita.pk}/").content.decode()
    assert "North" in page
    assert "South" in page
    # a move dated before the current membership began is refused on its field
    response = client.post(
        f"/team/{rita.pk}/", {"role": "sales_rep", "team": north.pk, "since": "2026-11-01"}
    )
    assert response.status_code == 200
    assert "a move cannot come before that" in response.content.decode()
    with tenant_a.active():
        assert TeamMembership.objects.filter(user=rita).count() == 2


def test_a_department_counts_the_teams_under_it(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        department = Team.objects.create(name="Sales department")
        north.parent = department
        north.save()
        november = Period(date(2026, 11, 1), date(2026, 11, 30))
        table = evaluate(
            BUILTIN["deals_won"], user=owner, period=november, scope=Scope(team=department.pk)
        )
        assert table.total.value == 2  # Rita's two November wins; Rob is in no team
