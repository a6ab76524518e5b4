import csv
import io

import pytest
from openpyxl import load_workbook

from crm_core.services.parties import company_create, contact_create
from crm_core.services.segments import segment_save
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def test_export_is_the_filtered_visible_list_as_csv_and_xlsx(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = segment_save(
            segment=None,
            data={"name": "Distributors", "parameters": [{"label": "Warehouse", "type": "number"}]},
        )
        big = company_create(
            actor=rep,
            data={"name": "Big", "segment": segment, "segment_values": {"warehouse": 900}},
        )
        company_create(
            actor=rep,
            data={"name": "Small", "segment": segment, "segment_values": {"warehouse": 10}},
        )
        company_create(actor=owner, data={"name": "Owner's secret"})
        contact_create(
            actor=rep,
            data={
                "first_name": "Ира",
                "last_name": "Ким",
                "company": big,
                "phones": ["+7 916 111-22-33"],
            },
        )
    client = tenant_a.client(rep)
    response = client.get(
        "/companies/export.csv", {"segment": segment.pk, "p.warehouse.min": "500"}
    )
    assert response["Content-Disposition"].startswith('attachment; filename="companys-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Name"
    assert rows[0][-1] == "Warehouse"
    assert [(row[0], row[-1]) for row in rows[1:]] == [("Big", "900")]
    everything = b"".join(client.get("/companies/export.csv").streaming_content).decode()
    assert "Owner's secret" not in everything
    xlsx = client.get("/contacts/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.values)
    assert values[0][:3] == ("First name", "Last name", "Company")
    assert values[1][:3] == ("Ира", "Ким", "Big")
    assert client.get("/contacts/export.pdf").status_code == 404
    bad = client.get("/companies/export.csv", {"segment": segment.pk, "p.nope": "1"})
    assert bad.status_code == 302
