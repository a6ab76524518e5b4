"""Exports of the contact and company lists: at once for a short list, in the background for a
long one (progress on its page, a notification with the link), always what the user sees."""

import csv
import io
import uuid
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from crm_core.jobs import exports as export_services
from crm_core.jobs.exports import exports_purge, exports_recover
from crm_core.jobs.models import ExportJob
from crm_core.jobs.running import running_tag
from crm_core.notifications.models import Notification
from crm_core.parties.services import company_create, contact_create
from crm_core.segments.services import segment_save
from tenants.identity.roles import Role
from tests.queue import unreachable_broker

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
    assert response["Content-Disposition"].startswith('attachment; filename="companies-')
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
    bad = client.get("/companies/export.csv", {"segment": segment.pk, "p.nope": "1"}, follow=True)
    assert "Fix the filters before exporting" in bad.content.decode()


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@override_settings(EXPORT_DIRECT_ROWS=2)
def test_a_long_list_is_written_in_the_background_for_whoever_asked(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        for name in ("Anna", "Boris", "Vera", "Gleb"):
            contact_create(actor=rep, data={"first_name": name, "last_name": "Rep"})
        contact_create(actor=owner, data={"first_name": "Hidden", "last_name": "Owner"})
    client = tenant_a.client(rep)
    # two rows: still downloaded at once
    small = client.post("/contacts/export.csv", {"query": "q=Anna"})
    assert _rows(b"".join(small.streaming_content))[1][0] == "Anna"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contacts/export.csv", {"query": "ordering=-created_at"})
    with tenant_a.active():
        job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exports/{job.pk}/"
    assert (job.status, job.total_rows, job.processed_rows) == ("done", 4, 4)
    assert job.file.name.startswith(f"exports/{job.uuid}/contacts-")
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert 'data-testid="export-download"' in page
    assert f'data-live="/ws/exports/{job.pk}/"' in page
    download = client.get(f"/exports/{job.pk}/download/")
    assert download["Content-Disposition"].startswith('attachment; filename="contacts-')
    rows = _rows(b"".join(download.streaming_content))
    assert [row[0] for row in rows] == ["First name", "Gleb", "Vera", "Boris", "Anna"]
    with tenant_a.active():
        notification = Notification.objects.get(recipient=rep)
    assert notification.kind == "export_done"
    assert notification.url == f"/exports/{job.pk}/"
    assert "rows: 4" in notification.text
    assert "contacts-" in client.get("/exports/").content.decode()

    # the file holds what the rep sees: nobody else opens it, not even the owner
    other = tenant_a.client(owner)
    for path in (
        f"/exports/{job.pk}/",
        f"/exports/{job.pk}/status/",
        f"/exports/{job.pk}/download/",
    ):
        assert other.get(path).status_code == 404
    assert "contacts-" not in other.get("/exports/").content.decode()


@override_settings(EXPORT_DIRECT_ROWS=0)
def test_a_background_xlsx_export_carries_segment_columns_and_bad_filters_start_nothing(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = segment_save(
            segment=None,
            data={"name": "Distributors", "parameters": [{"label": "Warehouse", "type": "number"}]},
        )
        company_create(
            actor=owner,
            data={"name": "Big", "segment": segment, "segment_values": {"warehouse": 900}},
        )
    client = tenant_a.client(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/companies/export.xlsx", {"query": f"segment={segment.pk}"})
    with tenant_a.active():
        job = ExportJob.objects.get()
        sheet = load_workbook(job.file.open("rb")).active
    rows = list(sheet.values)
    assert (rows[0][0], rows[0][-1]) == ("Name", "Warehouse")
    assert [(row[0], row[-1]) for row in rows[1:]] == [("Big", 900)]

    response = client.post(
        "/companies/export.csv",
        {"query": f"segment={segment.pk}&p.warehouse.min=lots"},
        follow=True,
    )
    assert "Fix the filters before exporting" in response.content.decode()
    with tenant_a.active():
        assert ExportJob.objects.count() == 1


@override_settings(EXPORT_DIRECT_ROWS=0)
def test_an_export_the_queue_cannot_take_says_so_and_the_request_still_answers(
    tenant_a, django_capture_on_commit_callbacks
):
    """The broker is a closed port: queueing gives up within about a second, the job is marked
    failed with a "try again" message, and the user still lands on its page."""
    owner = tenant_a.owner()
    with tenant_a.active():
        contact_create(actor=owner, data={"first_name": "Anna"})
    client = tenant_a.client(owner)
    with unreachable_broker(), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/contacts/export.csv", {"query": ""})
    assert response.status_code == 302
    with tenant_a.active():
        job = ExportJob.objects.get()
    assert job.status == "failed"
    body = client.get(response["Location"]).content.decode()
    assert "The job queue cannot be reached; try again in a minute." in body


def test_old_export_files_are_deleted_and_the_page_says_so(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    with tenant_a.active():
        contact_create(actor=owner, data={"first_name": "Anna"})
    client = tenant_a.client(owner)
    with override_settings(EXPORT_DIRECT_ROWS=0), django_capture_on_commit_callbacks(execute=True):
        client.post("/contacts/export.csv", {"query": ""})
    with tenant_a.active():
        job = ExportJob.objects.get()
        storage, name = job.file.storage, job.file.name
        assert storage.exists(name)
        assert exports_purge(now=timezone.now() + timedelta(days=6)) == 0
        assert exports_purge(now=timezone.now() + timedelta(days=8)) == 1
        assert not storage.exists(name)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert 'data-testid="export-expired"' in client.get(f"/exports/{job.pk}/").content.decode()


def test_an_export_that_breaks_is_failed_with_a_message(tenant_a, monkeypatch):
    owner = tenant_a.owner()
    with tenant_a.active():
        contact_create(actor=owner, data={"first_name": "Anna"})
        job = export_services.export_start(actor=owner, kind="contact", file_format="csv", query="")

        def broken(rows, output):
            raise OSError("disk full")

        monkeypatch.setattr(export_services, "_csv_write", broken)
        export_services.export_run(job=job)
        job.refresh_from_db()
    assert job.status == "failed"
    assert job.problem == "The export stopped on an unexpected error."
    assert not job.file


def test_an_export_whose_worker_died_fails_and_says_so(
    tenant_a, django_capture_on_commit_callbacks
):
    """An export left "running" with no database session behind it (its worker killed) fails
    at the next recovery, with a message and a notification; one whose session is there, or
    that started a moment ago, is left alone."""

    owner = tenant_a.owner()
    with tenant_a.active():
        dead, alive, young = (
            ExportJob.objects.create(
                uuid=uuid.uuid4(),
                kind="contact",
                file_format="csv",
                filename="contacts.csv",
                created_by=owner,
                status=ExportJob.Status.RUNNING,
                running_since=timezone.now() - timedelta(minutes=minutes),
            )
            for minutes in (10, 10, 1)
        )
        tag = running_tag(alive)
    session = psycopg.connect(**connection.get_connection_params(), application_name=tag)
    with session, tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        assert exports_recover() == 1
        dead.refresh_from_db()
        assert dead.status == ExportJob.Status.FAILED
        assert dead.problem == "The export stopped when its worker did. Export the list again."
        assert ExportJob.objects.get(pk=alive.pk).status == ExportJob.Status.RUNNING
        assert ExportJob.objects.get(pk=young.pk).status == ExportJob.Status.RUNNING
        assert Notification.objects.filter(
            recipient=owner, kind=Notification.Kind.EXPORT_FAILED
        ).exists()
