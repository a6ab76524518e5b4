import pytest

from crm_core.parties.services import company_create
from crm_core.segments.models import Segment
from crm_core.segments.services import segment_save
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

DISTRIBUTORS = {
    "name": "Distributors",
    "applies_to": "company",
    "parameters": [
        {"label": "Turnover", "type": "money", "currency": "RUB", "required": True},
        {"label": "Sales reps", "type": "number"},
        {"label": "Clients", "type": "number"},
        {"label": "Склад, м²", "type": "number"},
    ],
}
CORPORATE = {
    "name": "Corporate end clients",
    "parameters": [
        {"label": "Employees", "type": "number", "required": True},
        {"label": "Offices", "type": "number"},
        {"label": "Equipment type", "type": "choice", "choices": ["Printers", "Servers", "PCs"]},
        {"label": "Equipment count", "type": "number"},
        {"label": "Contract until", "type": "date"},
        {"label": "Channels", "type": "multi_choice", "choices": ["Phone", "Email", "Portal"]},
        {"label": "Key account", "type": "boolean"},
    ],
}


def post(client, path, body):
    return client.post(path, body, content_type="application/json")


def test_admin_defines_segments_and_keys_come_from_labels(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    response = post(client, "/api/v1/segments/", DISTRIBUTORS)
    assert response.status_code == 201, response.content
    keys = [item["key"] for item in response.json()["parameters"]]
    assert keys == ["turnover", "sales_reps", "clients", "sklad_m"]
    bad = post(
        client,
        "/api/v1/segments/",
        {
            "name": "Broken",
            "parameters": [
                {"label": "Size", "type": "choice"},
                {"label": "Money", "type": "money", "currency": "rubles"},
                {"label": "Size", "type": "number"},
            ],
        },
    )
    assert bad.status_code == 400
    assert bad.json()["parameters"] == [
        "“Size”: list the choices.",
        "“Money”: a currency is a three-letter code such as RUB.",
    ]
    assert post(client, "/api/v1/segments/", DISTRIBUTORS).json() == {
        "name": ["A segment with this name exists."]
    }


def test_values_are_validated_against_the_schema_and_nothing_is_stored_on_error(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    segment_id = post(client, "/api/v1/segments/", DISTRIBUTORS).json()["id"]
    response = post(
        client,
        "/api/v1/companies/",
        {
            "name": "Bad Values",
            "segment": segment_id,
            "segment_values": {"sales_reps": "many", "sklad_m": "1 200,5", "colour": "red"},
        },
    )
    assert response.status_code == 400
    assert response.json()["segment_values"] == [
        "“colour” is not a parameter of Distributors.",
        "Turnover: required.",
        "Sales reps: enter a number.",
    ]
    good = post(
        client,
        "/api/v1/companies/",
        {
            "name": "Good Values",
            "segment": segment_id,
            "segment_values": {"turnover": "15 000 000", "sales_reps": 12, "sklad_m": "1 200,5"},
        },
    )
    assert good.status_code == 201, good.content
    assert good.json()["segment_values"] == {
        "turnover": 15000000,
        "sales_reps": 12,
        "sklad_m": 1200.5,
    }


def test_filter_distributors_with_a_warehouse_over_500(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        distributors = segment_save(segment=None, data=DISTRIBUTORS)
        corporate = segment_save(segment=None, data=CORPORATE)
        for name, warehouse in (("Big", 1200), ("Mid", 501), ("Small", 80), ("Edge", 500)):
            company_create(
                actor=owner,
                data={
                    "name": name,
                    "segment": distributors,
                    "segment_values": {"turnover": 1, "sklad_m": warehouse},
                },
            )
        company_create(
            actor=owner,
            data={
                "name": "Bank",
                "segment": corporate,
                "segment_values": {
                    "employees": 900,
                    "equipment_type": "Servers",
                    "channels": ["Email", "Portal"],
                    "key_account": "yes",
                    "contract_until": "31.12.2027",
                },
            },
        )
    client = tenant_a.client(owner)

    def names(**params):
        response = client.get("/api/v1/companies/", params)
        assert response.status_code == 200, response.content
        return sorted(row["name"] for row in response.json()["results"])

    assert names(segment=distributors.pk, **{"p.sklad_m.min": "501"}) == ["Big", "Mid"]
    assert names(segment=distributors.pk, **{"p.sklad_m.max": "500"}) == ["Edge", "Small"]
    assert names(segment=corporate.pk, **{"p.equipment_type": "Servers"}) == ["Bank"]
    assert names(segment=corporate.pk, **{"p.channels": "Portal"}) == ["Bank"]
    assert names(segment=corporate.pk, **{"p.key_account": "true"}) == ["Bank"]
    assert names(segment=corporate.pk, **{"p.contract_until.min": "2027-01-01"}) == ["Bank"]
    assert names(segment=corporate.pk, **{"p.equipment_type": "PCs"}) == []
    bad = client.get(
        "/api/v1/companies/",
        {"segment": distributors.pk, "p.colour": "red", "p.sklad_m.min": "lots"},
    )
    assert bad.status_code == 400
    assert bad.json()["segment"] == [
        "“p.colour” is not a filter of Distributors.",
        "p.sklad_m.min: enter a number.",
    ]


def test_a_segment_for_companies_refuses_contacts_and_reps_cannot_define_segments(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    segment_id = post(client, "/api/v1/segments/", DISTRIBUTORS).json()["id"]
    response = post(client, "/api/v1/contacts/", {"first_name": "X", "segment": segment_id})
    assert response.json() == {"segment": ["This segment is not for this kind of record."]}
    rep = tenant_a.make_user(Role.SALES_REP)
    refused = post(tenant_a.client(rep), "/api/v1/segments/", CORPORATE)
    assert refused.status_code == 403
    marketer = tenant_a.make_user(Role.MARKETER)
    assert post(tenant_a.client(marketer), "/api/v1/segments/", CORPORATE).status_code == 201


def test_segment_editor_card_values_and_list_filters_in_pages(tenant_a):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    created = client.post(
        "/settings/segments/new/",
        {
            "name": "Distributors",
            "applies_to": "company",
            "description": "",
            "p-TOTAL_FORMS": "3",
            "p-INITIAL_FORMS": "0",
            "p-0-label": "Turnover",
            "p-0-type": "money",
            "p-0-currency": "RUB",
            "p-0-required": "on",
            "p-1-label": "Warehouse, m²",
            "p-1-type": "number",
            "p-2-label": "",
            "p-2-type": "text",
        },
    )
    assert created["Location"] == "/settings/segments/"
    with tenant_a.active():
        segment = Segment.objects.get(name="Distributors")
        assert [p["key"] for p in segment.parameters] == ["turnover", "warehouse_m"]
        big = company_create(actor=owner, data={"name": "Big Depot"})
        company_create(
            actor=owner,
            data={
                "name": "Tiny Depot",
                "segment": segment,
                "segment_values": {"turnover": 10, "warehouse_m": 20},
            },
        )
    # choosing a segment with required parameters asks for them first
    chosen = client.post(f"/companies/{big.pk}/segment/", {"segment": segment.pk, "version": "1"})
    assert chosen["Location"] == f"/companies/{big.pk}/?segment={segment.pk}"
    form = client.get(chosen["Location"]).content.decode()
    assert "Parameters for “Distributors”" in form
    missing = client.post(
        f"/companies/{big.pk}/segment/",
        {"segment": segment.pk, "version": "1", "values": "1", "sv-warehouse_m": "900"},
        follow=True,
    )
    assert "Turnover, RUB: This field is required." in missing.content.decode()
    with tenant_a.active():
        big.refresh_from_db()
        assert big.segment is None
    saved = client.post(
        f"/companies/{big.pk}/segment/",
        {
            "segment": segment.pk,
            "version": "1",
            "values": "1",
            "sv-turnover": "2500000",
            "sv-warehouse_m": "900",
        },
        follow=True,
    )
    card = saved.content.decode()
    assert "Warehouse, m²" in card
    assert "2,500,000.00 RUB" in card
    listed = client.get("/companies/", {"segment": segment.pk, "p.warehouse_m.min": "500"})
    page = listed.content.decode()
    assert "Big Depot" in page
    assert "Tiny Depot" not in page
    assert 'name="p.warehouse_m.min" value="500"' in page
    wrong = client.get("/companies/", {"segment": segment.pk, "p.warehouse_m.min": "big"})
    assert "p.warehouse_m.min: enter a number." in wrong.content.decode()
    rep = tenant_a.make_user(Role.SALES_REP)
    assert tenant_a.client(rep).get("/settings/segments/new/").status_code == 403
    assert tenant_a.client(rep).get("/settings/segments/").status_code == 200
