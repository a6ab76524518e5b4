from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm_core.commerce.services import price_list_save, prices_set, product_save
from crm_core.deals.models import Deal, DealMove, Pipeline, PipelineStage
from crm_core.deals.selectors import pipeline_board
from crm_core.deals.services import DealLineRequest, deal_create, deal_lines_set, deal_move
from crm_core.history.models import RecordChange
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def stages(handle):
    with handle.active():
        return {stage.name: stage.pk for stage in Pipeline.objects.get().stages.all()}


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_a_gated_stage_names_what_is_missing_and_the_deal_stays(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    ids = stages(tenant_a)
    deal = post(client, "/api/v1/deals/", {"title": "Steel for Q3"}).json()
    assert deal["stage"]["name"] == "Incoming"
    refused = post(client, f"/api/v1/deals/{deal['id']}/move/", {"stage": ids["Proposal"]})
    assert refused.status_code == 400
    assert refused.json() == {
        "stage": ["To enter “Proposal”, fill in: contact, amount, expected close date."]
    }
    assert client.get(f"/api/v1/deals/{deal['id']}/").json()["stage"]["name"] == "Incoming"
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Buyer"})
    updated = client.patch(
        f"/api/v1/deals/{deal['id']}/",
        {
            "contact": buyer.pk,
            "amount": "1250000.00",
            "expected_close": "2027-03-31",
            "version": deal["version"],
        },
        content_type="application/json",
    )
    assert updated.status_code == 200, updated.content
    moved = post(client, f"/api/v1/deals/{deal['id']}/move/", {"stage": ids["Proposal"]})
    assert moved.status_code == 200
    assert moved.json()["stage"] == {"id": ids["Proposal"], "name": "Proposal", "probability": 50}
    lost = post(client, f"/api/v1/deals/{deal['id']}/move/", {"stage": ids["Lost"]})
    assert lost.json() == {"stage": ["To enter “Lost”, fill in: lost reason."]}
    with tenant_a.active():
        assert [
            (m.from_stage and m.from_stage.name, m.to_stage.name)
            for m in DealMove.objects.filter(deal_id=deal["id"]).order_by("id")
        ] == [(None, "Incoming"), ("Incoming", "Proposal")]


def test_a_deal_cannot_be_emptied_below_its_stage_gate(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    ids = stages(tenant_a)
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Buyer"})
    deal = post(
        client, "/api/v1/deals/", {"title": "Gate", "stage": ids["Qualified"], "contact": buyer.pk}
    ).json()
    response = client.patch(
        f"/api/v1/deals/{deal['id']}/",
        {"contact": None, "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["“Qualified” needs: contact."]}
    created_in_gate = post(client, "/api/v1/deals/", {"title": "Skip", "stage": ids["Won"]})
    assert created_in_gate.json() == {"stage": ["To enter “Won”, fill in: contact, amount."]}


def test_board_totals_per_stage_and_currency_and_weighted(tenant_a):
    owner = tenant_a.owner()
    ids = stages(tenant_a)
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Buyer"})
        pipeline = Pipeline.objects.get()
        proposal = pipeline.stages.get(pk=ids["Proposal"])
        for amount, currency in (("1000", "RUB"), ("500", "RUB"), ("200", "EUR")):
            deal_create(
                actor=owner,
                data={
                    "title": f"{amount}{currency}",
                    "stage": proposal,
                    "contact": buyer,
                    "amount": Decimal(amount),
                    "currency": currency,
                    "expected_close": "2027-01-01",
                },
            )
        columns = {
            column.stage.name: column for column in pipeline_board(user=owner, pipeline=pipeline)
        }
    column = columns["Proposal"]
    assert column.count == 3
    assert column.totals == {"RUB": Decimal("1500.00"), "EUR": Decimal("200.00")}
    assert column.weighted == {"RUB": Decimal("750.00"), "EUR": Decimal("100.00")}
    page = tenant_a.client(owner).get("/deals/").content.decode()
    assert "1,500 RUB" in page
    assert "Weighted at 50%" in page
    assert "750 RUB" in page


def test_board_move_endpoint_answers_json_and_reps_see_their_own(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    ids = stages(tenant_a)
    client = tenant_a.client(owner)
    deal = post(client, "/api/v1/deals/", {"title": "Board move"}).json()
    refused = client.post(
        f"/deals/{deal['id']}/move/", {"stage": ids["Won"]}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "To enter “Won”, fill in: contact, amount."
    assert refused.json()["edit_url"] == f"/deals/{deal['id']}/edit/"
    ok = client.post(
        f"/deals/{deal['id']}/move/",
        {"stage": ids["Qualified"], "position": "0"},
        HTTP_ACCEPT="application/json",
    )
    assert ok.status_code == 400  # Qualified needs a contact too
    rep_client = tenant_a.client(rep)
    assert rep_client.get(f"/api/v1/deals/{deal['id']}/").status_code == 404
    move = rep_client.post(f"/deals/{deal['id']}/move/", {"stage": ids["Incoming"]})
    assert move.status_code == 404
    assert "Board move" not in rep_client.get("/deals/").content.decode()
    mine = post(rep_client, "/api/v1/deals/", {"title": "Rep deal"})
    assert mine.status_code == 201
    assert [row["title"] for row in rep_client.get("/api/v1/deals/").json()["results"]] == [
        "Rep deal"
    ]


def test_deal_pages_create_and_edit_with_errors(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    ids = stages(tenant_a)
    bad = client.post("/deals/new/", {"title": "", "stage": ids["Proposal"], "currency": "RUB"})
    assert "This field is required." in bad.content.decode()
    gated = client.post(
        "/deals/new/", {"title": "Big", "stage": ids["Proposal"], "currency": "RUB"}
    )
    assert "To enter “Proposal”, fill in: contact, amount, expected close date." in (
        gated.content.decode()
    )
    created = client.post(
        "/deals/new/",
        {"title": "Small", "stage": ids["Incoming"], "currency": "eur", "amount": "10"},
    )
    assert created.status_code == 302
    card = client.get(created["Location"]).content.decode()
    assert "10.00 EUR" in card


def test_deal_products_price_from_the_clients_list_make_the_amount(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        bolts = product_save(product=None, data={"sku": "B-1", "name": "Bolts", "unit": "box"})
        nuts = product_save(product=None, data={"sku": "N-1", "name": "Nuts"})
        unpriced = product_save(product=None, data={"sku": "U-1", "name": "Unpriced"})
        prices = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "EUR", "is_default": True}
        )
        prices_set(price_list=prices, prices={bolts.pk: Decimal("10.50"), nuts.pk: Decimal("2")})
        contact = contact_create(actor=owner, data={"first_name": "Lines"})
        deal = deal_create(actor=owner, data={"title": "Hardware", "contact": contact})
    client = tenant_a.client(owner)
    client.post(f"/deals/{deal.pk}/lines/", {"product": bolts.pk, "quantity": "3"})
    client.post(
        f"/deals/{deal.pk}/lines/",
        {"product": nuts.pk, "quantity": "10", "unit_price": "1,50", "discount_percent": "10"},
    )
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Bolts" in page
    assert "Nuts" in page
    with tenant_a.active():
        deal.refresh_from_db()
        assert (deal.amount, deal.currency) == (Decimal("45.00"), "EUR")  # 31.50 + 13.50
    refused = client.post(f"/deals/{deal.pk}/lines/", {"product": unpriced.pk, "quantity": "1"})
    assert refused.status_code == 302
    page = client.get(f"/deals/{deal.pk}/").content.decode()
    assert "Unpriced has no price for this client: type the price." in page
    bad = client.post(f"/deals/{deal.pk}/lines/", {"product": bolts.pk, "quantity": "lots"})
    assert bad.status_code == 302
    assert "Enter the quantity as a number." in client.get(f"/deals/{deal.pk}/").content.decode()

    api = client.put(
        f"/api/v1/deals/{deal.pk}/lines/",
        {"lines": [{"product": nuts.pk, "quantity": "4"}, {"product": unpriced.pk}]},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "quantity" in api.json()["lines[1]"]
    api = client.put(
        f"/api/v1/deals/{deal.pk}/lines/",
        {"lines": [{"product": nuts.pk, "quantity": "4"}]},
        content_type="application/json",
    )
    assert api.status_code == 200
    body = api.json()
    assert body["amount"] == "8.00"
    assert [(line["product_name"], line["total"]) for line in body["lines"]] == [("Nuts", "8.00")]
    with tenant_a.active():
        removed = deal.lines.get()
    client.post(f"/deals/{deal.pk}/lines/", {"remove": removed.pk})
    with tenant_a.active():
        assert not deal.lines.exists()


def test_a_stage_can_require_products(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        deal = deal_create(actor=owner, data={"title": "Gated"})
        stage = PipelineStage.objects.filter(pipeline=deal.pipeline).exclude(pk=deal.stage_id)[0]
        stage.required_fields = ["products"]
        stage.save()
        with pytest.raises(ValidationError, match="products"):
            deal_move(actor=owner, deal=deal, stage=stage)
        widget = product_save(product=None, data={"sku": "W-1", "name": "Widget"})
        deal_lines_set(
            actor=owner,
            deal=deal,
            lines=[DealLineRequest(widget, Decimal(1), unit_price=Decimal(5))],
        )
        assert deal_move(actor=owner, deal=deal, stage=stage).stage == stage


def test_a_move_reads_the_deal_twice_and_writes_its_history_once(tenant_a):
    """The walk of a deal move: API (the visibility read) -> service (the locked read, the gate,
    the move) -> database (one UPDATE; the trigger leaves the move's columns to the DealMove)
    -> push. The deal the move shifts down the column gets no history row either."""
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    ids = stages(tenant_a)
    with tenant_a.active():
        buyer = contact_create(actor=owner, data={"first_name": "Walk"})
    below = post(client, "/api/v1/deals/", {"title": "Below", "contact": buyer.pk}).json()
    post(client, f"/api/v1/deals/{below['id']}/move/", {"stage": ids["Qualified"]})
    deal = post(client, "/api/v1/deals/", {"title": "Walked", "contact": buyer.pk}).json()
    with tenant_a.active():
        history_before = RecordChange.objects.filter(table_name="crm_core_deal").count()
        below_position = Deal.objects.get(pk=below["id"]).board_position
    with CaptureQueriesContext(connection) as queries:
        moved = post(
            client, f"/api/v1/deals/{deal['id']}/move/", {"stage": ids["Qualified"], "position": 0}
        )
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"]["name"] == "Qualified"
    assert moved.json()["contact"]["id"] == buyer.pk
    deal_reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "crm_core_deal"' in query["sql"]
    ]
    assert len(deal_reads) == 2, deal_reads
    with tenant_a.active():
        moves = DealMove.objects.filter(deal_id=deal["id"]).order_by("id")
        assert [(m.from_stage.name if m.from_stage else None, m.to_stage.name) for m in moves] == [
            (None, "Incoming"),
            ("Incoming", "Qualified"),
        ]
        assert RecordChange.objects.filter(table_name="crm_core_deal").count() == history_before
        assert Deal.objects.get(pk=below["id"]).board_position == below_position + 1


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SUPPORT])
def test_roles_outside_sales_read_deals_but_are_not_offered_to_make_them(tenant_a, role):
    owner = tenant_a.owner()
    reader = tenant_a.make_user(role)
    with tenant_a.active():
        deal = deal_create(actor=owner, data={"title": "Read only"})
        stage = Pipeline.objects.get().stages.get(name="Incoming")
    client = tenant_a.client(reader)
    board = client.get("/deals/").content.decode()
    assert "Read only" in board
    assert 'data-testid="new-deal"' not in board
    assert client.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    assert post(client, "/api/v1/deals/", {"title": "Mine"}).status_code == 403
    assert post(client, f"/api/v1/deals/{deal.pk}/move/", {"stage": stage.pk}).status_code == 403
    assert client.post("/deals/new/", {"title": "Mine", "stage": stage.pk}).status_code == 403
    with tenant_a.active():
        assert not Deal.objects.filter(title="Mine").exists()
    # a sales rep is offered the button
    rep_board = tenant_a.client(tenant_a.make_user(Role.SALES_REP)).get("/deals/").content.decode()
    assert 'data-testid="new-deal"' in rep_board
