"""A large import shares its rows with a second database connection (crm_core.jobs.imports
.writer `SecondWriter`). That connection sees only committed data, so these tests commit theirs (and
remove it afterwards) and lower the threshold so that a small file is shared."""

from collections.abc import Iterator

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.db.models import Q

from billing.services.subscriptions import current_subscription
from crm_core.jobs.imports import (
    import_check,
    import_mapping_set,
    import_run,
    import_start,
    import_upload,
    writer,
)
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Company, Contact
from crm_core.parties.services import company_create, contact_create
from tests.conftest import tenant_handle
from tests.crm_core.import_steps import csv_bytes, staged_tables

DOMAIN = "@shared.test"


def _people() -> list[list[str]]:
    """40 rows: companies that exist, new ones (each named by several rows, in both halves),
    none; a row repeating an existing contact and one repeating an earlier row."""
    rows = [["First name", "Last name", "Email", "Company"]]
    companies = ["Known Ltd", "", "New One", "new two", "", "NEW ONE", "New Two", "known ltd"]
    for index in range(38):
        rows.append(
            [f"Person{index}", "Shared", f"p{index}{DOMAIN}", companies[index % len(companies)]]
        )
    rows.append(["Again", "Shared", f"existing{DOMAIN}", ""])
    rows.append(["Twice", "Shared", f"p3{DOMAIN}", "New One"])
    return rows


@pytest.fixture
def committed(django_db_setup, django_db_blocker, monkeypatch) -> Iterator:
    """Tenant alpha with a company and a contact committed; every row these tests make is
    deleted afterwards."""
    monkeypatch.setattr(writer, "SECOND_WRITER_ROWS", 10)
    with django_db_blocker.unblock():
        handle = tenant_handle("alpha")
        owner = handle.owner()
        with handle.active():
            before = ImportJob.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            known = company_create(actor=owner, data={"name": "Known Ltd"})
            contact_create(
                actor=owner, data={"first_name": "Existing", "emails": [f"existing{DOMAIN}"]}
            )
        try:
            yield handle, owner, known
        finally:
            with handle.active():
                jobs = ImportJob.objects.filter(pk__gt=before)
                Contact.objects.filter(
                    Q(import_job__in=jobs) | Q(emails__contains=[f"existing{DOMAIN}"])
                ).delete()
                Company.objects.filter(Q(import_job__in=jobs) | Q(pk=known.pk)).delete()
                jobs.delete()


def _checked(owner) -> ImportJob:
    job = import_upload(
        actor=owner, kind="contact", upload=SimpleUploadedFile("shared.csv", csv_bytes(_people()))
    )
    import_mapping_set(job=job, mapping=job.mapping)
    import_check(job=job)
    assert job.status == ImportJob.Status.CHECKED, job.problem
    assert (job.staged_rows, job.duplicate_count) == (39, 2)
    import_start(job=job)
    return job


def test_a_shared_import_writes_each_row_once_with_its_company(committed, caplog):
    """Both connections insert: every valid row is there once, rows naming a new company
    (which only the job's own connection can see) point to the one company made for that
    name, rows naming an existing company point to it, duplicates are skipped."""
    handle, owner, known = committed
    with handle.active():
        job = _checked(owner)
        import_run(job=job)

        assert job.status == ImportJob.Status.DONE, job.problem
        assert "second writer 19 rows" in caplog.text
        assert (job.created_count, job.companies_created) == (38, 2)
        imported = Contact.objects.filter(import_job=job)
        assert imported.count() == 38
        assert sorted(imported.values_list("first_name", flat=True)) == sorted(
            f"Person{index}" for index in range(38)
        )
        by_company = {}
        for name, company in imported.values_list("first_name", "company__name"):
            by_company.setdefault(company, set()).add(name)
        new_companies = Company.objects.filter(import_job=job)
        assert sorted(new_companies.values_list("name", flat=True)) == ["New One", "new two"]
        assert {name: len(people) for name, people in by_company.items()} == {
            "Known Ltd": 9,
            "New One": 10,
            "new two": 9,
            None: 10,
        }
        assert Contact.objects.filter(company=known, import_job=job).count() == 9
        assert Contact.objects.filter(emails__contains=[f"existing{DOMAIN}"]).count() == 1
        assert f"import_rows_{job.pk}" not in staged_tables()


def test_a_shared_import_refused_at_the_end_leaves_nothing(committed):
    """The contact limit is checked after both connections inserted: over it, both roll back,
    so neither share (nor a new company) stays."""
    handle, owner, _known = committed
    with handle.active():
        job = _checked(owner)
        plan = current_subscription().plan
        saved = plan.max_contacts
        plan.max_contacts = Contact.objects.count() + 20
        plan.save()
        try:
            import_run(job=job)
        finally:
            plan.max_contacts = saved
            plan.save()

        assert job.status == ImportJob.Status.FAILED
        assert "contacts" in job.problem
        assert not Contact.objects.filter(import_job=job).exists()
        assert not Contact.objects.filter(emails__0__endswith=DOMAIN, last_name="Shared").exists()
        assert not Company.objects.filter(import_job=job).exists()


def test_a_lost_connection_after_the_second_share_committed_takes_that_share_back(
    committed, monkeypatch
):
    """The one step between the two commits is the job's own commit. When its connection is
    lost there (the server ends it here, right after the second writer committed), the import
    fails and the second writer's committed share is removed again on a new connection."""

    handle, owner, _known = committed
    decide = writer.SecondWriter.decide

    def decide_then_lose_the_connection(self, *, commit):
        decide(self, commit=commit)
        pid = connection.connection.info.backend_pid
        with psycopg.connect(**connection.get_connection_params()) as other:
            # from outside, only the second writer's share is there yet
            shared = other.execute(
                f'SELECT count(*) FROM "{connection.schema_name}".crm_core_contact '  # noqa: S608
                "WHERE last_name = 'Shared'"
            ).fetchone()[0]
            assert shared == self.count == 19
            other.execute("SELECT pg_terminate_backend(%s)", [pid])

    monkeypatch.setattr(writer.SecondWriter, "decide", decide_then_lose_the_connection)
    with handle.active():
        job = _checked(owner)
        with pytest.raises(DatabaseError):
            import_run(job=job)

        job.refresh_from_db()
        assert job.status == ImportJob.Status.FAILED
        assert not Contact.objects.filter(last_name="Shared").exists()
        assert not Company.objects.filter(import_job=job).exists()


def test_a_shared_company_import_writes_each_row_once(committed, caplog):
    """Companies are shared the same way (they name no other company): every row once, the
    one repeating an existing company's tax id skipped."""
    handle, owner, known = committed
    with handle.active():
        Company.objects.filter(pk=known.pk).update(tax_id="7701234567")
        rows = [["Name", "INN"]] + [[f"Shared Co {i}", f"77000000{i:02d}"] for i in range(30)]
        rows.append(["Known again", "7701234567"])
        job = import_upload(
            actor=owner, kind="company", upload=SimpleUploadedFile("co.csv", csv_bytes(rows))
        )
        import_mapping_set(job=job, mapping=job.mapping)
        import_check(job=job)
        assert (job.staged_rows, job.duplicate_count) == (31, 1)
        import_start(job=job)
        import_run(job=job)

        assert job.status == ImportJob.Status.DONE, job.problem
        assert "second writer 15 rows" in caplog.text
        names = sorted(Company.objects.filter(import_job=job).values_list("name", flat=True))
        assert names == sorted(f"Shared Co {i}" for i in range(30))
        assert job.created_count == 30
