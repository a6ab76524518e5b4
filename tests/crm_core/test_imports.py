"""Import of contacts and companies: upload, mapping, dry run, import, duplicates, undo, and
every kind of bad file. The Celery tasks run eagerly in tests, through the same code."""

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from crm_core.activities.services import interaction_log
from crm_core.common.services import phone_normalise
from crm_core.jobs.imports.cells import phone_read as _phone
from crm_core.jobs.imports.fields import ImportRowError
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.parties.services import company_create, contact_create
from crm_core.segments.services import segment_save
from tenants.identity.roles import Role
from tests.crm_core.import_steps import check, csv_bytes, run, upload

pytestmark = pytest.mark.django_db


def test_cyrillic_semicolon_file_is_detected_mapped_checked_imported_and_undone(
    tenant_a, django_capture_on_commit_callbacks
):
    """A Windows-1251, semicolon-separated export from an older Excel, headers in Russian: the
    encoding, delimiter and mapping are guessed; the dry run writes nothing; the import makes
    the contacts (and their new company) in one go; undo takes them all back."""
    owner = tenant_a.owner()
    with tenant_a.active():
        existing = contact_create(
            actor=owner, data={"first_name": "Old", "emails": ["old@client.test"]}
        )
        known = company_create(actor=owner, data={"name": "Ромашка"})
        qualified = LifecycleStage.objects.order_by("position")[1]
    content = csv_bytes(
        [
            ["Имя", "Фамилия", "Эл. почта", "Телефон", "Компания", "Дата рождения", "Стадия"],
            [
                "Анна",
                "Смирнова",
                "anna@client.test",
                "8 (916) 123-45-67",
                "ромашка",
                "01.02.1990",
                qualified.name,
            ],
            ["Пётр", "Иванов", "OLD@client.test", "", "", "", ""],
            ["Иван", "Петров", "ivan@client.test", "+7 916 765-43-21", "Новая компания", "", ""],
            ["Ольга", "", "olga@client.test; olga2@client.test", "", "Новая компания", "", ""],
        ],
        delimiter=";",
        encoding="windows-1251",
    )
    client = tenant_a.client(owner)
    with tenant_a.active():
        job = upload(client, "contacts", content)
        assert (job.encoding, job.delimiter, job.total_rows) == ("windows-1251", ";", 4)
        assert job.mapping == {
            "0": "first_name",
            "1": "last_name",
            "2": "emails",
            "3": "phones",
            "4": "company",
            "5": "birthday",
            "6": "lifecycle_stage",
        }
        page = client.get(f"/imports/{job.pk}/").content.decode()
        assert "Анна" in page
        assert "Смирнова" in page

        check(client, job, django_capture_on_commit_callbacks)
        assert job.status == ImportJob.Status.CHECKED
        assert (job.error_count, job.duplicate_count, job.valid_rows) == (0, 1, 3)
        assert job.duplicate_rows[0]["row"] == 3
        assert job.duplicate_rows[0]["record"] == existing.pk
        assert job.companies_created == 1
        assert Contact.objects.count() == 1  # the dry run wrote nothing
        assert not Company.objects.filter(name="Новая компания").exists()

        run(client, job, django_capture_on_commit_callbacks)
        assert job.status == ImportJob.Status.DONE
        assert job.created_count == 3
        anna = Contact.objects.get(first_name="Анна")
        assert anna.phones == ["+79161234567"]
        assert anna.company == known
        assert anna.birthday == date(1990, 2, 1)
        assert anna.lifecycle_stage == qualified
        assert anna.owner == owner
        assert anna.import_job == job
        olga = Contact.objects.get(first_name="Ольга")
        assert olga.emails == ["olga@client.test", "olga2@client.test"]
        new_company = Company.objects.get(name="Новая компания")
        assert olga.company == new_company == Contact.objects.get(first_name="Иван").company
        assert "Анна" in client.get("/contacts/").content.decode()

        # someone logs a call with Иван before the import is undone: he is archived, not lost
        ivan = Contact.objects.get(first_name="Иван")
        interaction_log(actor=owner, contact=ivan, data={"channel": "call", "notes": "Hi"})
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/imports/{job.pk}/undo/")
        job.refresh_from_db()
        assert job.status == ImportJob.Status.UNDONE
        assert (job.undo_removed, job.undo_archived) == (2, 2)  # Анна, Ольга; Иван + company
        assert set(Contact.objects.values_list("first_name", flat=True)) == {"Old", "Иван"}
        ivan.refresh_from_db()
        assert ivan.is_archived
        assert Company.objects.get(pk=new_company.pk).is_archived
        assert Company.objects.filter(pk=known.pk, archived_at=None).exists()


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    rows = [["First name", "Email", "Phone", "Birthday", "VIP", "Stage"]]
    rows.append(["Good", "good@x.test", "+44 20 7946 0958", "1990-05-01", "yes", ""])
    rows += [["", "not-an-email", "12", "31.02.1990", "maybe", "Nope"]] * 10_000
    client = tenant_a.client(owner)
    with tenant_a.active():
        job = upload(client, "contacts", csv_bytes(rows))
        mapping = {
            "0": "first_name",
            "1": "emails",
            "2": "phones",
            "3": "birthday",
            "4": "is_vip",
            "5": "lifecycle_stage",
        }
        assert job.mapping == mapping
        response = check(client, job, django_capture_on_commit_callbacks)
        assert job.error_count == 60_000  # six problems on each of the 10,000 bad rows
        assert len(job.errors) == 200
        first = job.errors[:6]
        assert {(error["row"], error["column"]) for error in first} == {
            (3, "Email"),
            (3, "Phone"),
            (3, "Birthday"),
            (3, "VIP"),
            (3, "Stage"),
            (3, "First name"),
        }
        messages = " ".join(error["message"] for error in first)
        assert "“not-an-email” is not an email address." in messages
        assert "“12” is not a phone number." in messages
        assert "“31.02.1990” is not a date" in messages
        assert "No stage is named “Nope”" in messages
        assert "First name is required." in messages
        assert not job.can_import
        page = client.get(f"/imports/{job.pk}/").content.decode()
        assert "Nothing is written while the file has errors" in page
        report = b"".join(client.get(f"/imports/{job.pk}/problems.csv").streaming_content)
        assert len(report.decode("utf-8-sig").splitlines()) == 60_001
        # importing anyway is refused and writes nothing
        run(client, job, django_capture_on_commit_callbacks)
        assert Contact.objects.count() == 0
        assert job.status == ImportJob.Status.CHECKED

        # the user chooses to import the valid rows only
        check(client, job, django_capture_on_commit_callbacks, skip_invalid="on")
        assert job.can_import
        assert job.valid_rows == 1
        run(client, job, django_capture_on_commit_callbacks)
        good = Contact.objects.get()
        assert (good.first_name, good.phones, good.is_vip) == ("Good", ["+442079460958"], True)
    assert response.status_code == 302


def test_broken_encoding_wrong_delimiter_and_missing_columns_are_explained(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    with tenant_a.active():
        # valid UTF-8 for 2,000 lines, then a byte that is not
        good_lines = "First name,Email\n" + "".join(f"Пётр{i},p{i}@x.test\n" for i in range(5000))
        broken = good_lines.encode() + b"Bad\xff\xfe,bad@x.test\n"
        job = upload(client, "contacts", broken)
        assert job.encoding == "utf-8"
        check(client, job, django_capture_on_commit_callbacks)
        assert job.status == ImportJob.Status.UPLOADED
        assert job.problem.startswith("Line 5002 is not valid UTF-8 text.")
        assert Contact.objects.count() == 0
        assert "Line 5002 is not valid UTF-8" in client.get(f"/imports/{job.pk}/").content.decode()
        # damage near the top is found on upload already
        response = client.post(
            "/contacts/import/",
            {
                "file": SimpleUploadedFile(
                    "x.csv", "Имя\nПётр\n".encode() + b"\xff\n" + "Анна\n".encode() * 50
                )
            }
            | {"encoding": "auto", "duplicates": "skip"},
        )
        assert "Line 3 is not valid UTF-8 text." in response.content.decode()

        # a semicolon file read with a comma: one column, nothing maps, the hint names it
        job = upload(
            client,
            "contacts",
            csv_bytes([["First name;Email"], ["Ann;a@x.test"]]),
            delimiter=",",
        )
        response = check(client, job, django_capture_on_commit_callbacks, mapping={})
        page = response.content.decode()
        assert "Choose the column for “First name”: it is required." in page
        assert "is the delimiter right?" in page
        assert job.status == ImportJob.Status.UPLOADED

        # not a table at all
        response = client.post(
            "/contacts/import/",
            {"file": SimpleUploadedFile("x.xlsx", b"not a zip"), "encoding": "auto"}
            | {"duplicates": "skip"},
        )
        assert "This is not an XLSX workbook." in response.content.decode()
        response = client.post(
            "/contacts/import/",
            {
                "file": SimpleUploadedFile("x.pdf", b"%PDF"),
                "encoding": "auto",
                "duplicates": "skip",
            },
        )
        assert "Choose a CSV or XLSX file." in response.content.decode()
        response = client.post(
            "/contacts/import/",
            {"file": SimpleUploadedFile("x.csv", b""), "encoding": "auto", "duplicates": "skip"},
        )
        assert response.status_code == 200  # an empty upload is a form error
        assert ImportJob.objects.count() == 2


def test_xlsx_companies_with_segment_parameters_and_duplicate_tax_ids(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    head = tenant_a.make_user(Role.SALES_HEAD)
    with tenant_a.active():
        distributors = segment_save(
            segment=None,
            data={
                "name": "Distributors",
                "applies_to": "company",
                "parameters": [
                    {"label": "Warehouse m2", "type": "number", "required": True},
                    {"label": "Regions", "type": "multi_choice", "choices": "North,South"},
                ],
            },
        )
        company_create(actor=owner, data={"name": "Existing", "tax_id": "7701234567"})
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "INN", "Site", "Warehouse m2", "Regions", "Owner"])
    sheet.append(
        ["Alpha Distribution", "7700000001", "alpha.test", 900, "north; South", head.email]
    )
    sheet.append(["Same tax id", "7701234567", "", 100, "", ""])
    sheet.append(["No warehouse", "7700000003", "", None, "East", "nobody@x.test"])
    sheet.append(["Beta Distribution", "7700000004", "", 120.5, "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = tenant_a.client(owner)
    with tenant_a.active():
        job = upload(
            client,
            "companies",
            buffer.getvalue(),
            name="distributors.xlsx",
            segment=distributors.pk,
        )
        assert job.mapping == {
            "0": "name",
            "1": "tax_id",
            "2": "website",
            "3": "p.warehouse_m2",
            "4": "p.regions",
            "5": "owner",
        }
        check(client, job, django_capture_on_commit_callbacks)
        problems = {(error["row"], error["column"]): error["message"] for error in job.errors}
        assert problems == {
            (4, "Warehouse m2"): "Warehouse m2 is required.",
            (4, "Regions"): "“East”: choose from: North, South.",
            (4, "Owner"): "No active colleague has the email or name “nobody@x.test”.",
        }
        assert job.duplicate_rows[0]["row"] == 3
        assert "7701234567" in job.duplicate_rows[0]["match"]
        check(client, job, django_capture_on_commit_callbacks, skip_invalid="on")
        run(client, job, django_capture_on_commit_callbacks)
        assert job.created_count == 2
        alpha = Company.objects.get(name="Alpha Distribution")
        assert alpha.website == "https://alpha.test"
        assert alpha.segment == distributors
        assert alpha.segment_values == {"warehouse_m2": 900, "regions": ["North", "South"]}
        assert alpha.owner == head
        assert alpha.team == head.team
        beta = Company.objects.get(name="Beta Distribution")
        assert beta.segment_values == {"warehouse_m2": 120.5}
        # the imported companies are found by the segment filter like any other
        listed = client.get(
            "/companies/", {"segment": distributors.pk, "p.warehouse_m2.min": "500"}
        ).content.decode()
        assert "Alpha Distribution" in listed
        assert "Beta Distribution" not in listed


def test_rep_imports_only_as_owner_and_sees_only_own_imports(
    tenant_a, django_capture_on_commit_callbacks
):
    rep = tenant_a.make_user(Role.SALES_REP)
    other = tenant_a.make_user(Role.SALES_REP)
    owner = tenant_a.owner()
    client = tenant_a.client(rep)
    with tenant_a.active():
        job = upload(
            client,
            "contacts",
            csv_bytes([["Name", "Owner"], ["Mine", rep.email], ["Theirs", other.email]]),
        )
        check(client, job, django_capture_on_commit_callbacks)
        assert job.errors == [
            {"row": 3, "column": "Owner", "message": "You can only own records yourself."}
        ]
        other_job = upload(tenant_a.client(owner), "contacts", csv_bytes([["Name"], ["X"]]))
        assert client.get(f"/imports/{other_job.pk}/").status_code == 404
        assert client.get(f"/imports/{other_job.pk}/problems.csv").status_code == 404
        listing = client.get("/imports/").content.decode()
        assert "people.csv" in listing
        assert f"/imports/{other_job.pk}/" not in listing
        assert f"/imports/{job.pk}/" in tenant_a.client(owner).get("/imports/").content.decode()
        support = tenant_a.make_user(Role.SUPPORT)
        assert tenant_a.client(support).get("/contacts/import/").status_code == 403


def test_an_export_imports_back_with_its_own_headers(tenant_a, django_capture_on_commit_callbacks):
    owner = tenant_a.owner()
    with tenant_a.active():
        contact_create(
            actor=owner,
            data={"first_name": "Round", "last_name": "Trip", "emails": ["rt@x.test"]},
        )
    client = tenant_a.client(owner)
    exported = b"".join(client.get("/contacts/export.csv").streaming_content)
    with tenant_a.active():
        job = upload(client, "contacts", exported, duplicates="create")
        assert {"first_name", "last_name", "emails", "phones", "company"} <= set(
            job.mapping.values()
        )
        check(client, job, django_capture_on_commit_callbacks)
        assert (job.error_count, job.duplicate_count, job.valid_rows) == (0, 1, 1)
        run(client, job, django_capture_on_commit_callbacks)
        assert Contact.objects.filter(first_name="Round").count() == 2


def test_phone_shortcuts_agree_with_the_full_parser():
    """The import's memoised rewrites give what `phone_normalise` gives, row after row."""

    samples = [
        "8 (926) 123-45-67",
        "8 (926) 765-43-21",
        "89031112233",
        "+7 916 123-45-67",
        "+7 (916) 000-11-22",
        "+44 20 7946 0958",
        "+44 20 7946 0959",
        "+1 650 253 0000",
        "495 123-45-67",
        "4951234568",
    ]
    for raw in samples * 2:
        assert _phone(raw) == phone_normalise(raw), raw
    for bad in ("12", "+7 916", "call me"):
        with pytest.raises(ImportRowError):
            _phone(bad)
