"""Imports when things go wrong around them: the queue unreachable at each step, the checked rows
reused or gone, purged after a day, a worker that died mid-step. The Celery tasks run eagerly in
tests, through the same code."""

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from crm_core.jobs.imports import imports_purge, imports_recover
from crm_core.jobs.models import ImportJob
from crm_core.jobs.running import running_tag
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from tests.crm_core.import_steps import check, csv_bytes, run, staged_tables, upload
from tests.queue import unreachable_broker

pytestmark = pytest.mark.django_db


def test_each_import_step_the_queue_cannot_take_goes_back_to_where_it_can_be_retried(
    tenant_a, django_capture_on_commit_callbacks
):
    """The broker is a closed port: the request still answers, the job steps back and says
    why, and the same click works once the queue is back."""
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    capture = django_capture_on_commit_callbacks
    with tenant_a.active():
        job = upload(client, "contacts", csv_bytes([["First name"], ["Анна"]]))
        with unreachable_broker():
            response = check(client, job, capture)
        assert response.status_code == 302
        assert (job.status, job.problem) == (
            ImportJob.Status.UPLOADED,
            "The job queue cannot be reached; try again in a minute.",
        )
        assert "try again in a minute" in client.get(f"/imports/{job.pk}/").content.decode()
        check(client, job, capture)
        assert (job.status, job.problem) == (ImportJob.Status.CHECKED, "")
        with unreachable_broker():
            run(client, job, capture)
        assert job.status == ImportJob.Status.CHECKED
        assert Contact.objects.count() == 0
        run(client, job, capture)
        assert job.status == ImportJob.Status.DONE
        with unreachable_broker(), capture(execute=True):
            client.post(f"/imports/{job.pk}/undo/")
        job.refresh_from_db()
        assert (job.status, job.problem) == (
            ImportJob.Status.DONE,
            "The job queue cannot be reached; try again in a minute.",
        )
        assert Contact.objects.count() == 1


PEOPLE = [
    ["First name", "Email"],
    ["Anna", "anna@rows.test"],
    ["Boris", "boris@rows.test"],
    ["Anna again", "anna@rows.test"],
    ["Clara", "clara@rows.test"],
]


def test_the_import_starts_from_the_rows_the_dry_run_checked(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    """Given a checked file, the import does not read the file again: it takes the rows the dry
    run kept (in the company's own schema), checks them against what the database holds now (a
    colleague added Boris meanwhile), and drops them with the import."""
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    with tenant_a.active():
        job = upload(client, "contacts", csv_bytes(PEOPLE))
        check(client, job, django_capture_on_commit_callbacks)
        assert (job.staged_rows, job.file_duplicates, job.duplicate_count) == (3, 1, 1)
        table = f"import_rows_{job.pk}"
        assert staged_tables()[table] == tenant_a.tenant.schema_name
        contact_create(actor=owner, data={"first_name": "Boris", "emails": ["boris@rows.test"]})
        job.file.open("wb")
        job.file.write(b"not,the,file,that,was,checked\n")
        job.file.close()

        run(client, job, django_capture_on_commit_callbacks)

        assert job.status == ImportJob.Status.DONE
        assert job.created_count == 2
        assert set(Contact.objects.filter(import_job=job).values_list("first_name", flat=True)) == {
            "Anna",
            "Clara",
        }
        assert (job.duplicate_count, job.valid_rows, job.error_count) == (2, 2, 0)
        assert {item["row"] for item in job.duplicate_rows} == {3, 4}
        assert table not in staged_tables()
    with tenant_b.active():
        assert not Contact.objects.filter(emails__contains=["anna@rows.test"]).exists()


def test_the_import_reads_the_file_again_when_the_checked_rows_are_gone(
    tenant_a, django_capture_on_commit_callbacks
):
    """A crash of the database server empties an unlogged table: the import then reads the
    file again, with the same result."""
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    with tenant_a.active():
        job = upload(client, "contacts", csv_bytes(PEOPLE))
        check(client, job, django_capture_on_commit_callbacks)

        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE import_rows_{job.pk}")

        run(client, job, django_capture_on_commit_callbacks)

        assert job.status == ImportJob.Status.DONE
        assert job.created_count == 3
        assert (job.duplicate_count, job.valid_rows) == (1, 3)
        assert f"import_rows_{job.pk}" not in staged_tables()


def test_checked_rows_nobody_imports_are_purged_after_a_day(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    with tenant_a.active():
        fresh = upload(client, "contacts", csv_bytes(PEOPLE))
        check(client, fresh, django_capture_on_commit_callbacks)
        old = upload(client, "contacts", csv_bytes(PEOPLE))
        check(client, old, django_capture_on_commit_callbacks)
        ImportJob.objects.filter(pk=old.pk).update(checked_at=timezone.now() - timedelta(days=2))

        assert imports_purge() == 1

        tables = staged_tables()
        assert f"import_rows_{fresh.pk}" in tables
        assert f"import_rows_{old.pk}" not in tables
        # the old one can still be imported: it reads its file again
        run(client, old, django_capture_on_commit_callbacks)
        assert (old.status, old.created_count) == (ImportJob.Status.DONE, 3)


def test_a_step_whose_worker_died_goes_back_to_where_it_can_start_again(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    """A worker killed in the middle of a check, an import or an undo leaves its job
    "running" with no database session behind it: the recovery (every five minutes) sends it
    back, saying so, and removes rows a second writer committed just before the worker died.
    A job whose session is still there is left alone, however long it runs, and each company
    recovers only its own jobs."""

    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    long_ago = timezone.now() - timedelta(minutes=10)
    with tenant_a.active():
        job = upload(client, "contacts", csv_bytes(PEOPLE))
        check(client, job, django_capture_on_commit_callbacks)
        assert job.running_since is None
        checking, importing, undoing, working, queued = (
            upload(client, "contacts", csv_bytes(PEOPLE)) for _ in range(5)
        )
        for item, status in (
            (checking, ImportJob.Status.CHECKING),
            (importing, ImportJob.Status.IMPORTING),
            (undoing, ImportJob.Status.UNDOING),
            (working, ImportJob.Status.IMPORTING),
        ):
            ImportJob.objects.filter(pk=item.pk).update(status=status, running_since=long_ago)
        ImportJob.objects.filter(pk=queued.pk).update(status=ImportJob.Status.IMPORTING)
        share = contact_create(actor=owner, data={"first_name": "Committed share"})
        Contact.objects.filter(pk=share.pk).update(import_job=importing)
        working_tag = running_tag(working)
    with tenant_b.active():
        other = upload(tenant_b.client(tenant_b.owner()), "contacts", csv_bytes(PEOPLE))
        ImportJob.objects.filter(pk=other.pk).update(
            status=ImportJob.Status.CHECKING, running_since=long_ago
        )
    alive = psycopg.connect(**connection.get_connection_params(), application_name=working_tag)
    with alive, tenant_a.active():
        assert imports_recover() == 3

        states = {
            item.pk: (item.status, item.problem)
            for item in ImportJob.objects.filter(
                pk__in=[checking.pk, importing.pk, undoing.pk, working.pk, queued.pk]
            )
        }
        assert states[checking.pk] == (
            ImportJob.Status.UPLOADED,
            "The check stopped when its worker did. Start it again.",
        )
        assert states[importing.pk][0] == ImportJob.Status.CHECKED
        assert "nothing was written" in states[importing.pk][1]
        assert states[undoing.pk][0] == ImportJob.Status.DONE
        assert states[working.pk] == (ImportJob.Status.IMPORTING, "")
        assert states[queued.pk] == (ImportJob.Status.IMPORTING, "")
        assert not Contact.objects.filter(pk=share.pk).exists()
    with tenant_b.active():
        assert ImportJob.objects.get(pk=other.pk).status == ImportJob.Status.CHECKING
        assert imports_recover() == 1
