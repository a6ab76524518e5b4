"""Deals as a list (issue 23): filters by pipeline, stage, status, owner, close date and amount,
sorts that page through deals without a date or an amount, a (bounded) count, the export of
what is on screen, and the board's own filters by owner and close date."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from config import pagination
from crm_core.deals.models import Pipeline
from crm_core.deals.services import deal_create
from crm_core.jobs.exports import export_run, export_start
from crm_core.parties.services import company_create, contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def deals(tenant_a):
    """Five deals of the owner and two of a rep, over two pipelines."""
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        sales = Pipeline.objects.get()
        stages = {stage.name: stage for stage in sales.stages.all()}
        buyer = contact_create(actor=owner, data={"first_name": "Boris", "last_name": "Buyer"})
        firm = company_create(actor=owner, data={"name": "Kestrel Steel"})
        rows = [
            # title, owner, stage, amount, close
            ("Alpha pipes", owner, "Incoming", "1000", date(2027, 1, 10)),
            ("Bravo valves", owner, "Qualified", None, date(2027, 2, 1)),
            ("Charlie beams", owner, "Incoming", "250000", None),
            ("Delta won", owner, "Won", "5000", date(2026, 12, 1)),
            ("Echo lost", owner, "Lost", "700", date(2026, 11, 1)),
            ("Rita first", rep, "Incoming", "300", date(2027, 1, 20)),
            ("Rita second", rep, "Incoming", None, None),
        ]
        made = {}
        for title, actor, stage, amount, close in rows:
            made[title] = deal_create(
                actor=actor,
                data={
                    "title": title,
                    "pipeline": sales,
                    "stage": stages[stage],
                    "amount": Decimal(amount) if amount else None,
                    "expected_close": close,
                    "contact": buyer,
                    "company": firm,
                    "lost_reason": "Price" if stage == "Lost" else "",
                },
            )
        other = Pipeline.objects.create(name="Service", position=1)
        other_stage = other.stages.create(name="Open", position=0, probability=20)
        made["Service contract"] = deal_create(
            actor=owner,
            data={"title": "Service contract", "pipeline": other, "stage": other_stage},
        )
    return {"owner": owner, "rep": rep, "stages": stages, "deals": made, "other": other}


def titles(client, **params):
    response = client.get("/api/v1/deals/", {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return [deal["title"] for deal in response.json()["results"]]


def test_the_api_filters_by_pipeline_stage_status_owner_close_date_and_amount(tenant_a, deals):
    client = tenant_a.client(deals["owner"])
    stages = deals["stages"]
    assert titles(client, pipeline=deals["other"].pk) == ["Service contract"]
    assert sorted(titles(client, stage=stages["Incoming"].pk)) == [
        "Alpha pipes",
        "Charlie beams",
        "Rita first",
        "Rita second",
    ]
    assert titles(client, status="won") == ["Delta won"]
    assert titles(client, status="lost") == ["Echo lost"]
    assert "Delta won" not in titles(client, status="open")
    assert sorted(titles(client, owner=deals["rep"].pk)) == ["Rita first", "Rita second"]
    assert sorted(titles(client, close_after="2027-01-01", close_before="2027-01-31")) == [
        "Alpha pipes",
        "Rita first",
    ]
    assert sorted(titles(client, amount_min="500", amount_max="5000")) == [
        "Alpha pipes",
        "Delta won",
        "Echo lost",
    ]
    assert titles(client, q="kestrel charlie") == ["Charlie beams"]


def test_bad_filters_are_refused_with_a_message_per_field(tenant_a, deals):
    client = tenant_a.client(deals["owner"])
    response = client.get(
        "/api/v1/deals/", {"close_after": "2027-02-01", "close_before": "2027-01-01"}
    )
    assert response.status_code == 400
    assert response.json() == {"close_before": ["Comes before the first date."]}
    response = client.get("/api/v1/deals/", {"amount_min": "lots", "status": "maybe"})
    assert response.status_code == 400
    assert set(response.json()) == {"amount_min", "status"}


def test_sorts_page_through_deals_without_a_close_date_or_an_amount(tenant_a, deals):
    """A keyset page needs a value in every row: deals with no date come last, with no amount
    count as zero, and paging two by two reaches every deal once."""
    client = tenant_a.client(deals["owner"])
    by_close = []
    url, params = "/api/v1/deals/", {"ordering": "close_date", "page_size": 2}
    while url:
        page = client.get(url, params).json()
        by_close += [deal["title"] for deal in page["results"]]
        url, params = page["next"], {}
    assert by_close[:5] == [
        "Echo lost",
        "Delta won",
        "Alpha pipes",
        "Rita first",
        "Bravo valves",
    ]
    assert sorted(by_close[5:]) == ["Charlie beams", "Rita second", "Service contract"]
    by_amount = titles(client, ordering="-amount_value")
    assert by_amount[:5] == ["Charlie beams", "Delta won", "Alpha pipes", "Echo lost", "Rita first"]
    assert len(by_amount) == len(set(by_amount)) == 8


def test_the_list_page_shows_what_the_user_may_see_filtered_and_counted(tenant_a, deals):
    rep_page = tenant_a.client(deals["rep"]).get("/deals/list/").content.decode()
    assert "Rita first" in rep_page
    assert "Rita second" in rep_page
    assert "Alpha pipes" not in rep_page
    assert 'data-testid="list-total">2 records' in rep_page
    owner = tenant_a.client(deals["owner"])
    page = owner.get(
        "/deals/list/", {"status": "open", "amount_min": "500", "ordering": "-amount_value"}
    ).content.decode()
    assert page.index("Charlie beams") < page.index("Alpha pipes")
    assert "Echo lost" not in page
    assert "Rita first" not in page
    assert "250,000.00 RUB" in page
    assert 'data-testid="list-total">2 records' in page
    refused = owner.get("/deals/list/", {"close_after": "2027-02-01", "close_before": "2027-01-01"})
    assert "Closes on or before: Comes before the first date." in refused.content.decode()
    rows = owner.get("/deals/list/", {"q": "bravo"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Bravo valves" in rows
    assert "<html" not in rows


def test_a_huge_list_says_more_than_instead_of_counting_every_row(tenant_a, deals, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 3)
    page = tenant_a.client(deals["owner"]).get("/deals/list/").content.decode()
    assert 'data-testid="list-total">More than 3 records' in page


def test_the_list_in_russian(tenant_a, deals):
    client = tenant_a.client(deals["owner"], HTTP_ACCEPT_LANGUAGE="ru")
    page = client.get("/deals/list/", {"q": "charlie"}).content.decode()
    assert "Закрытие не раньше" in page
    assert "250\xa0000,00 RUB" in page
    assert 'data-testid="list-total">1 запись' in page


def test_the_export_writes_the_filtered_list_the_user_sees(tenant_a, deals):
    response = tenant_a.client(deals["rep"]).get("/deals/export.csv", {"ordering": "title"})
    assert response["Content-Disposition"].startswith('attachment; filename="deals-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:4] == ["Title", "Pipeline", "Stage", "Amount"]
    assert [row[0] for row in rows[1:]] == ["Rita first", "Rita second"]
    assert rows[1][3:5] == ["300.00", "RUB"]
    owner = tenant_a.client(deals["owner"])
    refused = owner.get("/deals/export.csv", {"amount_min": "lots"}, follow=True)
    assert "Fix the filters before exporting" in refused.content.decode()


def test_a_long_deal_export_runs_in_the_background(tenant_a, deals):
    with tenant_a.active():
        job = export_start(actor=deals["owner"], kind="deal", file_format="csv", query="status=won")
        export_run(job=job)
        job.refresh_from_db()
        assert job.status == "done", job.problem
        text = job.file.read().decode("utf-8-sig")
    assert "Delta won" in text
    assert "Alpha pipes" not in text


def test_the_board_filters_by_owner_and_close_date(tenant_a, deals):
    client = tenant_a.client(deals["owner"])
    page = client.get("/deals/", {"owner": deals["rep"].pk}).content.decode()
    assert "Rita first" in page
    assert "Alpha pipes" not in page
    page = client.get(
        "/deals/", {"close_after": "2027-01-01", "close_before": "2027-01-31"}
    ).content.decode()
    assert "Alpha pipes" in page
    assert "Rita first" in page
    assert "Bravo valves" not in page
    assert "Charlie beams" not in page
    # the forecast counts what the board shows: 1000 × 10% + 300 × 10%
    assert 'data-testid="forecast"' in page
    assert "<strong>130 RUB</strong>" in page
    refused = client.get("/deals/", {"close_after": "someday"}).content.decode()
    assert 'data-testid="filter-error"' in refused
    assert "Charlie beams" in refused  # a bad filter narrows nothing


def test_the_timeline_shows_a_deals_amount_in_the_readers_format(tenant_a, deals):
    contact = deals["deals"]["Charlie beams"].contact
    client = tenant_a.client(deals["owner"], HTTP_ACCEPT_LANGUAGE="ru")
    timeline = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "250\xa0000,00 RUB" in timeline.split('data-testid="timeline"')[1]
