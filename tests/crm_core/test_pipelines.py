"""Pipelines and stages shaped by owners and administrators, through the API and the settings
page: create, rename, reorder, archive; probabilities, won/lost, required fields and products;
what a stage requires is enforced when a deal enters it."""

import re
from decimal import Decimal

import pytest

from crm_core.commerce.services import product_save
from crm_core.deals.models import Deal, Pipeline, PipelineStage
from crm_core.deals.services import DealLineRequest, deal_create, deal_lines_set
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def patch(client, path, body):
    return client.patch(path, body, content_type="application/json")


def test_an_admin_builds_a_pipeline_through_the_api(tenant_a):
    owner = tenant_a.owner()
    api = tenant_a.client(owner)
    created = post(api, "/api/v1/pipelines/", {"name": "Partners", "currency": "eur"})
    assert created.status_code == 201, created.content
    pipeline = created.json()
    assert (pipeline["name"], pipeline["currency"], pipeline["archived"]) == (
        "Partners",
        "EUR",
        False,
    )
    assert [(s["name"], s["is_won"], s["is_lost"]) for s in pipeline["stages"]] == [
        ("New", False, False),
        ("Won", True, False),
        ("Lost", False, True),
    ]
    base = f"/api/v1/pipelines/{pipeline['id']}/"
    with tenant_a.active():
        kit = product_save(product=None, data={"sku": "KIT-1", "name": "Starter kit"})
    stage = post(
        api,
        f"{base}stages/",
        {
            "name": "Demo",
            "probability": 40,
            "required_fields": ["contact", "amount"],
            "required_products": [kit.pk],
        },
    )
    assert stage.status_code == 201, stage.content
    demo = stage.json()
    assert (demo["probability"], demo["required_fields"], demo["required_products"]) == (
        40,
        ["contact", "amount"],
        [kit.pk],
    )
    ids = [s["id"] for s in pipeline["stages"]]
    order = [ids[0], demo["id"], ids[1], ids[2]]
    reordered = post(api, f"{base}stages/order/", {"stages": order})
    assert reordered.status_code == 200, reordered.content
    assert [s["name"] for s in reordered.json()] == ["New", "Demo", "Won", "Lost"]
    renamed = patch(api, f"{base}stages/{demo['id']}/", {"name": "Product demo"})
    assert renamed.json()["name"] == "Product demo"
    assert patch(api, base, {"name": "Partner sales"}).json()["name"] == "Partner sales"
    listed = api.get("/api/v1/pipelines/").json()
    assert [p["name"] for p in listed] == ["Sales", "Partner sales"]
    assert [s["name"] for s in listed[1]["stages"]] == ["New", "Product demo", "Won", "Lost"]


def test_bad_pipeline_input_is_refused_field_by_field(tenant_a):
    api = tenant_a.client(tenant_a.owner())
    unknown = post(api, "/api/v1/pipelines/", {"name": "X", "colour": "red"})
    assert unknown.status_code == 400
    assert unknown.json() == {"colour": ["Unknown field."]}
    assert post(api, "/api/v1/pipelines/", {"name": "Sales"}).json() == {
        "name": ["A pipeline with this name exists."]
    }
    assert post(api, "/api/v1/pipelines/", {"name": "Y", "currency": "EURO"}).status_code == 400
    pipeline = api.get("/api/v1/pipelines/").json()[0]
    stages = f"/api/v1/pipelines/{pipeline['id']}/stages/"
    both = post(api, stages, {"name": "Odd", "is_won": True, "is_lost": True})
    assert both.json() == {"is_lost": ["A stage either wins the deal or loses it."]}
    assert post(api, stages, {"name": "Odd", "probability": 120}).status_code == 400
    gate = post(api, stages, {"name": "Odd", "required_fields": ["budget"]})
    assert gate.status_code == 400
    assert "required_fields" in gate.json()
    twice = post(api, f"{stages}order/", {"stages": [pipeline["stages"][0]["id"]]})
    assert twice.json() == {
        "stages": ["List every active stage of this pipeline once, in the new order."]
    }
    with tenant_a.active():
        assert Pipeline.objects.count() == 1
        assert not PipelineStage.objects.filter(name="Odd").exists()


def test_only_owners_and_admins_shape_pipelines(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    head = tenant_a.make_user(Role.SALES_HEAD)
    for user in (rep, head):
        client = tenant_a.client(user)
        assert client.get("/api/v1/pipelines/").status_code == 200  # everyone reads them
        assert post(client, "/api/v1/pipelines/", {"name": "Mine"}).status_code == 403
        refused = client.get("/settings/pipelines/")
        assert refused.status_code == 403
        assert refused.content.decode() == "Only the owner and administrators open this page."
    with tenant_a.active():
        assert not Pipeline.objects.filter(name="Mine").exists()


def test_a_stage_gate_names_the_products_it_requires(tenant_a):
    owner = tenant_a.owner()
    api = tenant_a.client(owner)
    with tenant_a.active():
        kit = product_save(product=None, data={"sku": "KIT-2", "name": "Install kit"})
        buyer = contact_create(actor=owner, data={"first_name": "Gate"})
        pipeline = Pipeline.objects.get()
        contract = pipeline.stages.get(name="Negotiation")
        contract.required_products.set([kit])
        deal = deal_create(actor=owner, data={"title": "Gated", "contact": buyer, "amount": 5})
    moved = post(api, f"/api/v1/deals/{deal.pk}/move/", {"stage": contract.pk})
    assert moved.status_code == 400
    assert moved.json() == {
        "stage": ["To enter “Negotiation”, fill in: expected close date, Install kit."]
    }
    with tenant_a.active():
        Deal.objects.filter(pk=deal.pk).update(expected_close="2027-01-31")
        deal_lines_set(
            actor=owner, deal=deal, lines=[DealLineRequest(kit, Decimal(1), Decimal(100))]
        )
    assert post(api, f"/api/v1/deals/{deal.pk}/move/", {"stage": contract.pk}).status_code == 200


def test_archiving_waits_for_the_deals_and_keeps_one_stage(tenant_a):
    owner = tenant_a.owner()
    api = tenant_a.client(owner)
    with tenant_a.active():
        pipeline = Pipeline.objects.get()
        incoming = pipeline.stages.get(name="Incoming")
        deal = deal_create(actor=owner, data={"title": "Still open"})
        buyer = contact_create(actor=owner, data={"first_name": "Later"})
    base = f"/api/v1/pipelines/{pipeline.pk}/"
    spare = post(api, "/api/v1/pipelines/", {"name": "Spare"}).json()
    refused = api.delete(f"{base}stages/{incoming.pk}/")
    assert refused.status_code == 400
    assert refused.json() == {
        "non_field_errors": ["1 deal is in this stage: move it to another stage first."]
    }
    assert api.delete(base).json() == {
        "non_field_errors": [
            "1 open deal is in this pipeline: close it or move it to another pipeline first."
        ]
    }
    with tenant_a.active():
        Deal.objects.filter(pk=deal.pk).update(archived_at="2026-12-01T00:00Z")
    assert api.delete(f"{base}stages/{incoming.pk}/").status_code == 204
    board_stages = [s for s in api.get(base).json()["stages"] if not s["archived"]]
    assert "Incoming" not in [s["name"] for s in board_stages]
    # a deal cannot be put in an archived stage, and new deals start in the first active one
    made = post(api, "/api/v1/deals/", {"title": "After", "stage": incoming.pk})
    assert made.status_code == 400
    after = post(api, "/api/v1/deals/", {"title": "After", "contact": buyer.pk})
    assert after.json()["stage"]["name"] == "Qualified"
    assert api.delete(f"/api/v1/pipelines/{spare['id']}/").status_code == 204
    assert api.delete(base).json() == {
        "non_field_errors": ["The last pipeline cannot be archived."]
    }
    restored = patch(api, f"{base}stages/{incoming.pk}/", {"archived": False})
    assert restored.json()["archived"] is False


def test_the_settings_page_shapes_stages_with_errors_in_place(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    with tenant_a.active():
        pipeline = Pipeline.objects.get()
        stages = list(pipeline.stages.all())
    page = client.get("/settings/pipelines/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-testid="pipeline-{pipeline.pk}"' in body
    assert len(re.findall(r'data-testid="stage-\d+"', body)) == len(stages)
    added = client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/",
        {
            f"new-stage-{pipeline.pk}-name": "Trial",
            f"new-stage-{pipeline.pk}-probability": "30",
            f"new-stage-{pipeline.pk}-outcome": "open",
            f"new-stage-{pipeline.pk}-required_fields": ["contact", "description"],
        },
    )
    assert added.status_code == 302
    with tenant_a.active():
        trial = pipeline.stages.get(name="Trial")
        assert (trial.probability, trial.required_fields) == (30, ["contact", "description"])
        assert trial.position > stages[-1].position
    up = client.post(f"/settings/pipelines/{pipeline.pk}/stages/{trial.pk}/", {"action": "up"})
    assert up.status_code == 302
    with tenant_a.active():
        names = list(pipeline.stages.filter(archived_at=None).values_list("name", flat=True))
        assert names.index("Trial") == len(names) - 2
    refused = client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/{trial.pk}/",
        {
            "action": "save",
            f"stage-{trial.pk}-name": "Incoming",
            f"stage-{trial.pk}-probability": "30",
            f"stage-{trial.pk}-outcome": "open",
        },
    )
    assert refused.status_code == 400
    assert "This pipeline has a stage with this name." in refused.content.decode()
    won = client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/{trial.pk}/",
        {
            "action": "save",
            f"stage-{trial.pk}-name": "Trial won",
            f"stage-{trial.pk}-probability": "100",
            f"stage-{trial.pk}-outcome": "won",
        },
    )
    assert won.status_code == 302
    with tenant_a.active():
        trial.refresh_from_db()
        assert (trial.name, trial.is_won, trial.is_lost, trial.required_fields) == (
            "Trial won",
            True,
            False,
            [],
        )
    renamed = client.post(
        f"/settings/pipelines/{pipeline.pk}/",
        {
            "action": "save",
            f"pipeline-{pipeline.pk}-name": "",
            f"pipeline-{pipeline.pk}-currency": "RUB",
        },
    )
    assert renamed.status_code == 400
    archived = client.post(
        f"/settings/pipelines/{pipeline.pk}/stages/{trial.pk}/", {"action": "archive"}
    )
    assert archived.status_code == 302
    board = client.get("/deals/").content.decode()
    assert "Trial won" not in board
    settings_page = client.get("/settings/pipelines/").content.decode()
    assert "Restore “Trial won”" in settings_page
    created = client.post(
        "/settings/pipelines/", {"new-pipeline-name": "Tenders", "new-pipeline-currency": "RUB"}
    )
    assert created.status_code == 302
    with tenant_a.active():
        assert Pipeline.objects.filter(name="Tenders").exists()


def test_the_settings_page_reads_in_russian(tenant_a):
    client = tenant_a.client(tenant_a.owner(), HTTP_ACCEPT_LANGUAGE="ru")
    body = client.get("/settings/pipelines/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Воронки и этапы" in body
    assert "Добавить этап" in body
