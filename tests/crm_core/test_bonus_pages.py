"""The motivation screens: the plan editor (components, gates, caps; a part that does not add
up named on the page), approval and versions; the month's statements, closing the month,
one statement with its lines, adjustments, acknowledgement and questions; the payroll export;
a deal's credit split and what-if; what a rep may see and do."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from crm_core.deals.models import CreditSplit, Deal
from crm_core.goals.models import Adjustment, BonusPlan, LineQuestion, Statement

pytestmark = pytest.mark.django_db


def plan_form(rita, **extra):
    data = {
        "name": "Field sales",
        "basis": "won",
        "effective_from": "2026-01-01",
        "people": [rita.pk],
        "cap": "",
        "gates": "",
        "parts-TOTAL_FORMS": "2",
        "parts-INITIAL_FORMS": "0",
        "parts-MIN_NUM_FORMS": "0",
        "parts-MAX_NUM_FORMS": "12",
        "parts-0-kind": "commission",
        "parts-0-name": "Commission",
        "parts-0-base": "revenue",
        "parts-0-mode": "marginal",
        "parts-0-tiers": "0–5000: 2\n5000+: 5",
        "parts-1-kind": "",
    }
    return data | extra


def test_an_owner_drafts_approves_and_versions_a_plan_on_its_pages(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    refused = client.post(
        "/goals/plans/new/",
        plan_form(rita, **{"parts-0-tiers": "0–5000: 2\n4000+: 5", "gates": "karma: 70"}),
    )
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "components.1.tiers" in page
    assert "Tiers 1 and 2 overlap." in page
    assert "The gate&#x27;s metric “karma” does not exist." in page
    with tenant_a.active():
        assert not BonusPlan.objects.exists()
    response = client.post("/goals/plans/new/", plan_form(rita, gates="calls: 70"))
    with tenant_a.active():
        plan = BonusPlan.objects.get()
    assert response["Location"] == f"/goals/plans/{plan.pk}/"
    assert plan.components[0]["tiers"] == [
        {"from": "0", "to": "5000", "rate": "2"},
        {"from": "5000", "to": None, "rate": "5"},
    ]
    assert plan.gates == [{"metric": "calls", "min_share": "70"}]
    # a draft's change is in its history
    renamed = client.post(f"/goals/plans/{plan.pk}/", plan_form(rita, name="Field sales team"))
    assert renamed.status_code == 302
    page = client.get(f"/goals/plans/{plan.pk}/").content.decode()
    assert "Field sales team" in page
    assert "Field sales" in page
    client.post(f"/goals/plans/{plan.pk}/action/", {"action": "approve"})
    with tenant_a.active():
        plan.refresh_from_db()
        assert plan.is_locked
    assert client.post(f"/goals/plans/{plan.pk}/", plan_form(rita)).status_code == 403
    response = client.post(
        f"/goals/plans/{plan.pk}/action/", {"action": "version", "effective_from": "2027-01-01"}
    )
    with tenant_a.active():
        second = BonusPlan.objects.get(version=2)
    assert response["Location"] == f"/goals/plans/{second.pk}/"
    assert "Draft" in client.get("/goals/plans/").content.decode()
    # a rep sees approved plans, not drafts, and cannot draft
    rep = tenant_a.client(rita)
    assert rep.get("/goals/plans/new/").status_code == 403
    assert rep.get(f"/goals/plans/{second.pk}/").status_code == 404
    assert rep.get(f"/goals/plans/{plan.pk}/").status_code == 200


def approved_plan(tenant_a, owner, *people):
    client = tenant_a.client(owner)
    client.post("/goals/plans/new/", plan_form(people[0], people=[p.pk for p in people]))
    with tenant_a.active():
        plan = BonusPlan.objects.get()
    client.post(f"/goals/plans/{plan.pk}/action/", {"action": "approve"})
    return plan


def test_a_month_is_closed_adjusted_acknowledged_and_questioned(tenant_a, sales):
    owner, rita, rob, north = sales
    approved_plan(tenant_a, owner, rita, rob)
    client = tenant_a.client(owner)
    page = client.get("/goals/statements/?month=2026-11").content.decode()
    assert "Estimate, open month" in page
    assert "400 RUB" in page
    response = client.post("/goals/statements/close/", {"month": "2026-11"}, follow=True)
    assert "2 statements closed" in response.content.decode()
    with tenant_a.active():
        statement = Statement.objects.get(person=rita)
    detail = f"/goals/statements/{rita.pk}/2026-11/"
    page = client.get(detail).content.decode()
    assert "Won 100 EUR" in page
    assert "No record, no sale, no bonus." in page
    refused = client.post(detail, {"amount": "", "reason": ""})
    assert "This field is required." in refused.content.decode()
    client.post(detail, {"amount": "-50", "reason": "Duplicate deal"})
    with tenant_a.active():
        assert Adjustment.objects.get().amount == Decimal("-50.00")
    assert "350 RUB" in client.get(detail).content.decode()
    # Rita reads hers, asks about a line and acknowledges; she never sees Rob's
    rep = tenant_a.client(rita)
    assert rep.get(f"/goals/statements/{rob.pk}/2026-11/").status_code == 404
    assert rep.post(detail, {"amount": "1000", "reason": "self"}).status_code == 403
    with tenant_a.active():
        line = statement.lines.first()
    rep.post(f"/goals/lines/{line.pk}/question/", {"text": "Why 2 %?"})
    rep.post(f"/goals/statements/{rita.pk}/2026-11/acknowledge/")
    with tenant_a.active():
        statement.refresh_from_db()
        assert statement.acknowledged_at is not None
        question = LineQuestion.objects.get()
    client.post(f"/goals/questions/{question.pk}/answer/", {"answer": "The first tier."})
    assert "The first tier." in rep.get(detail).content.decode()
    assert (
        tenant_a.client(rob).post(f"/goals/lines/{line.pk}/question/", {"text": "?"}).status_code
        == 404
    )


def test_the_payroll_export(tenant_a, sales):
    owner, rita, rob, north = sales
    approved_plan(tenant_a, owner, rita)
    client = tenant_a.client(owner)
    text = client.get("/goals/statements/export.csv?month=2026-11").content.decode()
    assert "Rita Rep" in text
    assert "400.0" in text
    book = load_workbook(
        io.BytesIO(client.get("/goals/statements/export.xlsx?month=2026-11").content)
    )
    rows = list(book.active.values)
    assert rows[1][0] == "Rita Rep"
    assert rows[1][6] == 400


def test_a_deal_card_splits_credit_and_tells_the_what_if(tenant_a, sales):
    owner, rita, rob, north = sales
    approved_plan(tenant_a, owner, rita)
    client = tenant_a.client(owner)
    with tenant_a.active():
        won = Deal.objects.get(title="Won 1000 RUB")
    card = client.get(f"/goals/deals/{won.pk}/credit/").content.decode()
    assert "Rita Rep · 100 %" in card
    form = {
        "splits-TOTAL_FORMS": "2",
        "splits-INITIAL_FORMS": "0",
        "splits-MIN_NUM_FORMS": "0",
        "splits-MAX_NUM_FORMS": "10",
        "splits-0-person": rita.pk,
        "splits-0-share": "70",
        "splits-0-kind": "revenue",
        "splits-1-person": rob.pk,
        "splits-1-share": "20",
        "splits-1-kind": "revenue",
    }
    refused = client.post(f"/goals/deals/{won.pk}/credit/", form, HTTP_HX_REQUEST="true")
    assert "Revenue splits total 90 %" in refused.content.decode()
    saved = client.post(
        f"/goals/deals/{won.pk}/credit/", form | {"splits-1-share": "30"}, HTTP_HX_REQUEST="true"
    )
    assert saved["HX-Redirect"] == f"/deals/{won.pk}/"
    with tenant_a.active():
        assert sorted(CreditSplit.objects.filter(deal=won).values_list("share", flat=True)) == [
            Decimal("30.00"),
            Decimal("70.00"),
        ]
    assert tenant_a.client(rita).post(f"/goals/deals/{won.pk}/credit/", form).status_code == 403
    assert 'hx-get="/goals/deals/' in client.get(f"/deals/{won.pk}/").content.decode()


def test_plans_statements_and_adjustments_through_the_api(tenant_a, sales):
    owner, rita, rob, north = sales
    client = tenant_a.client(owner)
    body = {
        "name": "API plan",
        "basis": "won",
        "effective_from": "2026-01-01",
        "people": [rita.pk],
        "components": [{"kind": "commission", "name": "Cut", "tiers": TIERS_API}],
    }
    refused = client.post(
        "/api/v1/bonus/plans/", {**body, "colour": "red"}, content_type="application/json"
    )
    assert refused.json() == {"colour": ["Unknown field."]}
    bad = {
        **body,
        "components": [{"kind": "commission", "name": "Cut", "tiers": [{"from": 5, "rate": 2}]}],
    }
    refused = client.post("/api/v1/bonus/plans/", bad, content_type="application/json")
    assert refused.json() == {"components.1.tiers": ["The first tier starts at 0."]}
    created = client.post("/api/v1/bonus/plans/", body, content_type="application/json")
    assert created.status_code == 201
    plan = created.json()
    assert (
        tenant_a.client(rita).post(f"/api/v1/bonus/plans/{plan['id']}/approve/").status_code == 403
    )
    approved = client.post(f"/api/v1/bonus/plans/{plan['id']}/approve/").json()
    assert approved["approved_at"] is not None
    locked = client.patch(
        f"/api/v1/bonus/plans/{plan['id']}/", {"name": "X"}, content_type="application/json"
    )
    assert locked.status_code == 400
    listed = client.get("/api/v1/bonus/statements/?month=2026-11").json()
    assert [(row["name"], row["total"]) for row in listed] == [("Rita Rep", "400.00")]
    one = client.get(f"/api/v1/bonus/statements/{rita.pk}/2026-11/").json()
    assert [line["amount"] for line in one["lines"]] == ["20.00", "80.00", "300.00"]
    adjusted = client.post(
        "/api/v1/bonus/adjustments/",
        {"person": rita.pk, "month": "2026-11", "amount": "25", "reason": "Fair"},
        content_type="application/json",
    )
    assert adjusted.json()["total"] == "425.00"
    refused = tenant_a.client(rob).post(
        "/api/v1/bonus/adjustments/",
        {"person": rita.pk, "month": "2026-11", "amount": "25", "reason": "Fair"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert (
        tenant_a.client(rob).get(f"/api/v1/bonus/statements/{rita.pk}/2026-11/").status_code == 404
    )


TIERS_API = [{"from": 0, "to": 5000, "rate": 2}, {"from": 5000, "to": None, "rate": 5}]
