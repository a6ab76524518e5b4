"""An imported workbook is checked from its archive's directory before anything unpacks it,
and read by a worker, never in the web request: a zip bomb (a few hundred KB unpacking to
hundreds of MB) is refused at upload with a clear message and nothing stored."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from crm_core.jobs.models import ImportJob

pytestmark = pytest.mark.django_db


def _bomb(unpacked_mb: int = 64) -> bytes:
    """A workbook-shaped zip whose sheet unpacks to `unpacked_mb` MB of one repeated row."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        row = b"<row><c><v>0</v></c></row>" * 4096
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for _ in range(unpacked_mb * 1024 * 1024 // len(row)):
                sheet.write(row)
    return buffer.getvalue()


def _upload(client, content: bytes, name: str = "people.xlsx"):
    data = {"file": SimpleUploadedFile(name, content), "encoding": "auto", "duplicates": "skip"}
    return client.post("/contacts/import/", data)


def test_a_zip_bomb_is_refused_at_upload_and_nothing_is_stored(tenant_a):
    content = _bomb()
    assert len(content) < 1024 * 1024
    response = _upload(tenant_a.client(tenant_a.owner()), content)
    assert response.status_code == 200
    assert "unpacks to far more than its own size" in response.content.decode()
    with tenant_a.active():
        assert not ImportJob.objects.exists()


@override_settings(IMPORT_XLSX_MAX_UNPACKED_MB=1)
def test_a_workbook_larger_than_the_limit_unpacked_is_refused(tenant_a):
    workbook = Workbook()
    for number in range(30_000):
        workbook.active.append([f"Name {number}", f"person{number}@x.test", number])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(tenant_a.client(tenant_a.owner()), buffer.getvalue())
    assert "more than the 1 MB an import reads" in response.content.decode()


def test_the_request_stores_a_workbook_and_a_worker_reads_it(
    tenant_a, django_capture_on_commit_callbacks
):
    workbook = Workbook()
    workbook.active.append(["First name", "Email"])
    workbook.active.append(["Ann", "ann@x.test"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = tenant_a.client(tenant_a.owner())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _upload(client, buffer.getvalue())
    with tenant_a.active():
        job = ImportJob.objects.get()
    # the request read nothing of the sheet
    assert (job.status, job.headers) == (ImportJob.Status.READING, [])
    assert "Reading the file" in client.get(response["Location"]).content.decode()
    with tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
        job.refresh_from_db()
    assert (job.status, job.headers, job.mapping) == (
        ImportJob.Status.UPLOADED,
        ["First name", "Email"],
        {"0": "first_name", "1": "emails"},
    )
