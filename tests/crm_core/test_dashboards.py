"""The home dashboard per role (issue 24): a rep's own figures, a head of sales' team figures
and leaderboard, an owner's company trends, funnel, top clients and support load; one period
and team filter for the page; tiles added from the metrics, moved, removed, reset; a dashboard
shared with a team."""

import json
import re

import pytest

from crm_core.analytics.models import Dashboard
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

NOVEMBER = "from=2026-11-01&to=2026-11-30"


def _tiles(page: str) -> str:
    return page.split('data-testid="tiles"', 1)[1].split('data-testid="home-tasks"', 1)[0]


def test_each_role_opens_on_its_own_figures(tenant_a, sales):
    owner, rita, rob, north = sales
    company = _tiles(tenant_a.client(owner).get(f"/?{NOVEMBER}").content.decode())
    assert 'data-testid="value-revenue_won">18,200 RUB<' in company
    assert 'data-testid="value-order_revenue"' in company
    assert "Revenue won, last 12 months" in company
    assert "Sales funnel: Sales" in company
    assert "Order revenue by client" in company
    assert "Requests opened, last 12 months" in company
    own = _tiles(tenant_a.client(rita).get(f"/?{NOVEMBER}").content.decode())
    assert 'data-testid="value-revenue_won">11,000 RUB<' in own
    assert "by person" not in own
    assert "Order revenue by client" not in own
    with tenant_a.active():
        head = tenant_a.make_user(Role.SALES_HEAD, full_name="Hanna Head")
        head.team = north
        head.save(update_fields=["team"])
    team = _tiles(tenant_a.client(head).get(f"/?{NOVEMBER}").content.decode())
    assert 'data-testid="value-revenue_won">11,000 RUB<' in team
    leaders = json.loads(
        re.search(r'id="tile-4-data" type="application/json">(.*?)</script>', team).group(1)
    )
    assert leaders["categories"] == ["Rita Rep"]
    assert "Rob Rep" not in team


def test_tiles_are_added_moved_removed_and_reset(tenant_a, sales):
    owner, rita, *_ = sales
    client = tenant_a.client(rita)
    assert 'data-testid="tile-editor"' in client.get("/?edit=1").content.decode()
    client.post("/dashboard/tiles/", {"display": "split", "metric": "deals_won", "by": "planet"})
    with tenant_a.active():
        assert not Dashboard.objects.filter(owner=rita).exists()  # still the role's tiles
    refused = client.get("/?edit=1").content.decode()
    assert "Choose a grouping this metric has." in refused
    client.post("/dashboard/tiles/", {"display": "split", "metric": "deals_won", "by": "stage"})
    page = client.get(f"/?{NOVEMBER}").content.decode()
    assert "Deals won by stage" in page
    with tenant_a.active():
        tiles = Dashboard.objects.get(owner=rita).tiles
    last = len(tiles) - 1
    client.post(f"/dashboard/tiles/{last}/move/", {"action": "earlier"})
    client.post("/dashboard/tiles/0/move/", {"action": "remove"})
    with tenant_a.active():
        moved = Dashboard.objects.get(owner=rita).tiles
    assert moved[last - 2] == {"display": "split", "metric": "deals_won", "by": "stage"}
    assert moved[0] == tiles[1]
    assert len(moved) == len(tiles) - 1
    client.post("/dashboard/reset/")
    with tenant_a.active():
        assert not Dashboard.objects.filter(owner=rita).exists()


def test_a_dashboard_shared_with_a_team_opens_for_its_members_only(tenant_a, sales):
    owner, rita, rob, north = sales
    with tenant_a.active():
        head = tenant_a.make_user(Role.SALES_HEAD, full_name="Hanna Head")
        head.team = north
        head.save(update_fields=["team"])
    head_client = tenant_a.client(head)
    head_client.post("/dashboard/tiles/", {"display": "trend", "metric": "calls"})
    head_client.post("/dashboard/share/", {"shared": "1"})
    with tenant_a.active():
        shared = Dashboard.objects.get(owner=head)
    assert shared.team_id == north.pk
    member = tenant_a.client(rita).get("/").content.decode()
    assert "Hanna Head&#x27;s dashboard" in member
    opened = tenant_a.client(rita).get(f"/?dashboard={shared.pk}").content.decode()
    assert "Calls logged, last 12 months" in opened
    assert "Shared by Hanna Head" in opened
    assert 'data-testid="edit-dashboard"' not in opened
    outsider = tenant_a.client(rob).get(f"/?dashboard={shared.pk}").content.decode()
    assert "Calls logged, last 12 months" not in outsider
    refused = tenant_a.client(rob).post("/dashboard/share/", {"shared": "1"}, follow=True)
    assert "You are in no team to share it with." in refused.content.decode()


def test_the_home_dashboard_in_russian(tenant_a, sales):
    owner, *_ = sales
    page = tenant_a.client(owner, HTTP_ACCEPT_LANGUAGE="ru").get(f"/?{NOVEMBER}").content.decode()
    assert 'data-testid="value-revenue_won">18\xa0200 RUB<' in page
    assert "Расставить плитки" in page
