"""Analytics pages and API (issue 24): every metric's tile for a period, a metric opened down to
its trend, its leaderboard and its records, an admin's own metric, bad input refused per field,
each reader limited to what they may see, in English and Russian formats."""

import json

import pytest

from crm_core.analytics.models import MetricDefinition

pytestmark = pytest.mark.django_db

AUTUMN = "from=2026-10-01&to=2026-11-30"


def test_the_owner_sees_every_metric_for_the_period_in_the_readers_format(tenant_a, sales):
    owner, *_ = sales
    page = tenant_a.client(owner).get(f"/analytics/?{AUTUMN}").content.decode()
    assert 'data-testid="value-revenue_won">18,700 RUB<' in page
    assert 'data-testid="value-deals_won">4<' in page
    assert 'data-testid="value-win_rate">80.0 %<' in page
    assert 'data-testid="tile-margin"' in page
    russian = tenant_a.client(owner, HTTP_ACCEPT_LANGUAGE="ru").get(f"/analytics/?{AUTUMN}")
    text = russian.content.decode()
    assert 'data-testid="value-revenue_won">18\xa0700 RUB<' in text
    assert 'data-testid="value-win_rate">80,0 %<' in text
    assert "Выручка по выигранным сделкам" in text


def test_a_rep_sees_only_their_figures_and_cannot_ask_for_a_colleagues(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(rita)
    page = client.get(f"/analytics/?{AUTUMN}").content.decode()
    assert 'data-testid="value-revenue_won">11,000 RUB<' in page
    assert 'data-testid="person-filter"' not in page
    refused = client.get(f"/analytics/?{AUTUMN}&person={rob.pk}").content.decode()
    assert "No one whose figures you see has this id." in refused
    assert "Showing the defaults instead." in refused
    api = client.get(f"/api/v1/analytics/metrics/revenue_won/?{AUTUMN}&person={rob.pk}")
    assert api.status_code == 400
    assert api.json() == {"person": ["No one whose figures you see has this id."]}


def test_a_metric_opens_to_its_trend_leaderboard_and_records(tenant_a, sales):
    owner, rita, rob, north = sales
    page = tenant_a.client(owner).get(f"/analytics/metrics/revenue_won/?{AUTUMN}").content.decode()
    spec = json.loads(
        page.split('id="people-data" type="application/json">', 1)[1].split("</script>", 1)[0]
    )
    assert spec["categories"] == ["Rita Rep", "Rob Rep"]
    assert spec["series"][0]["values"] == [11000.0, 7700.0]
    assert spec["links"][0].endswith(f"&person={rita.pk}")
    assert spec["unit"] == "money"
    assert spec["currency"] == "RUB"
    assert '<th scope="row" class="fw-normal"><a href="' in page  # the data table links too
    drill = page.split('data-testid="drill-rows"', 1)[1]
    for title in ("Won 1000 RUB", "Won 100 EUR", "Won 80 EUR", "Won 500 RUB"):
        assert title in drill
    only_rob = tenant_a.client(owner).get(
        f"/analytics/metrics/revenue_won/?{AUTUMN}&person={rob.pk}"
    )
    drill = only_rob.content.decode().split('data-testid="drill-rows"', 1)[1]
    assert "Won 80 EUR" in drill
    assert "Won 1000 RUB" not in drill
    mine = tenant_a.client(rob).get(f"/analytics/metrics/win_rate/?{AUTUMN}").content.decode()
    assert "Won 1000 RUB" not in mine
    assert "Rita Rep" not in mine


def test_the_api_gives_a_figure_split_as_asked_and_refuses_what_it_does_not_know(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    data = client.get(f"/api/v1/analytics/metrics/deals_won/?{AUTUMN}&group=owner_team").json()
    assert data["value"] == 4
    assert {(group["labels"][0], group["value"]) for group in data["groups"]} == {
        ("North", 2),
        (None, 2),
    }
    bad = client.get(f"/api/v1/analytics/metrics/deals_won/?{AUTUMN}&group=planet")
    assert bad.status_code == 400
    assert bad.json() == {"group": ["Not a grouping of this metric: planet."]}
    wrong = client.get("/api/v1/analytics/metrics/deals_won/?from=2020-01-01&to=2026-01-01")
    assert wrong.status_code == 400
    assert wrong.json() == {"to": ["A period covers at most 5 years; choose a shorter one."]}
    listed = client.get(f"/api/v1/analytics/metrics/revenue_won/records/?{AUTUMN}&limit=2").json()
    assert [row["title"] for row in listed["results"]] == ["Won 100 EUR", "Won 1000 RUB"]
    assert listed["next_offset"] == 2
    assert (
        client.get("/api/v1/analytics/metrics/revenue_won/records/?limit=1000").status_code == 400
    )


def test_an_admin_puts_a_metric_together_and_a_wrong_one_is_refused_per_field(tenant_a, sales):
    owner, rita, *_ = sales
    client = tenant_a.client(owner)
    refused = client.post(
        "/settings/metrics/",
        {
            "name": "Big wins",
            "measure": "sum",
            "source": "orders",
            "date_field": "closed",
            "person": "owner",
        },
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Choose a date this record type has." in text
    assert "Choose an amount this record type has." in text
    with tenant_a.active():
        assert not MetricDefinition.objects.exists()
    saved = client.post(
        "/settings/metrics/",
        {
            "name": "Lost value",
            "measure": "sum",
            "source": "deals",
            "date_field": "closed",
            "person": "owner",
            "conditions": ["lost"],
            "amount": "amount",
        },
    )
    with tenant_a.active():
        key = MetricDefinition.objects.get().key
    assert saved.status_code == 302
    assert saved["Location"] == f"/analytics/metrics/{key}/"
    page = client.get(f"/analytics/?{AUTUMN}").content.decode()
    assert f'data-testid="value-{key}">70 RUB<' in page
    api = client.post(
        "/api/v1/analytics/metrics/",
        {
            "name": "Ratio",
            "measure": "ratio",
            "numerator": key,
            "denominator": "revenue_won",
            "colour": "red",
        },
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json() == {"colour": ["Unknown field."]}
    ratio = client.post(
        "/api/v1/analytics/metrics/",
        {
            "name": "Lost share",
            "measure": "ratio",
            "numerator": key,
            "denominator": "pipeline_created",
        },
        content_type="application/json",
    )
    assert ratio.status_code == 201
    assert ratio.json()["unit"] == "percent"
    assert tenant_a.client(rita).post("/settings/metrics/", {"name": "x"}).status_code == 403
    kept = client.post(f"/settings/metrics/{key}/archive/", follow=True).content.decode()
    assert "“Lost value” is part of “Lost share”; archive that first." in kept
    share = ratio.json()["key"]
    assert client.post(f"/settings/metrics/{share}/archive/").status_code == 302
    assert client.post(f"/settings/metrics/{key}/archive/").status_code == 302
    assert f"value-{key}" not in client.get("/analytics/").content.decode()


def test_a_rep_is_refused_defining_metrics_through_the_api(tenant_a, sales):
    _, rita, *_ = sales
    refused = tenant_a.client(rita).post(
        "/api/v1/analytics/metrics/",
        {
            "name": "Mine",
            "measure": "count",
            "source": "deals",
            "date_field": "created",
            "person": "owner",
        },
        content_type="application/json",
    )
    assert refused.status_code == 403
    with tenant_a.active():
        assert not MetricDefinition.objects.exists()
