"""Notes and files on contacts, companies and deals (issue 23): on each card and through the API,
seen and deleted only by those who may, moved by a merge, erased with the person."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from crm_core.activities.models import Attachment, Note
from crm_core.deals.services import deal_create
from crm_core.history.services import contacts_merge
from crm_core.parties.services import company_create, contact_create
from portal.services.privacy import contact_erase
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        firm = company_create(actor=rep, data={"name": "Heron Ltd"})
        person = contact_create(actor=rep, data={"first_name": "Hana", "company": firm})
        deal = deal_create(actor=rep, data={"title": "Heron deal", "contact": person})
    return {"owner": owner, "rep": rep, "contact": person, "company": firm, "deal": deal}


def file(name="contract.txt", content=b"signed"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


@pytest.mark.parametrize(
    ("kind", "path"), [("contact", "contacts"), ("company", "companies"), ("deal", "deals")]
)
def test_a_note_with_files_on_each_card(tenant_a, records, kind, path):
    client = tenant_a.client(records["rep"])
    record = records[kind]
    response = client.post(
        f"/{path}/{record.pk}/notes/",
        {"body": f"Call {kind} back after the fair", "attachments": [file(), file("scan.pdf")]},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/{path}/{record.pk}/#notes"
    card = client.get(f"/{path}/{record.pk}/").content.decode()
    assert f"Call {kind} back after the fair" in card
    assert "contract.txt" in card
    assert "scan.pdf" in card
    with tenant_a.active():
        note = Note.objects.get(**{kind: record})
        attachment = note.attachments.get(filename="contract.txt")
    download = client.get(f"/attachments/{attachment.pk}/")
    assert b"".join(download.streaming_content) == b"signed"
    assert download["Content-Disposition"].startswith("attachment")


def test_an_empty_note_is_refused_and_typed_text_kept(tenant_a, records):
    client = tenant_a.client(records["rep"])
    contact = records["contact"]
    client.post(f"/contacts/{contact.pk}/notes/", {"body": "  "})
    card = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Write the note or attach a file." in card
    too_many = [file(f"f{index}.txt") for index in range(11)]
    client.post(f"/contacts/{contact.pk}/notes/", {"body": "Keep me", "attachments": too_many})
    card = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "At most 10 files per note." in card
    assert ">Keep me</textarea>" in card
    with tenant_a.active():
        assert not Note.objects.exists()
        assert not Attachment.objects.exists()


def test_only_who_sees_the_record_reads_and_who_wrote_or_manages_deletes(tenant_a, records):
    rep = tenant_a.client(records["rep"])
    rep.post(
        f"/deals/{records['deal'].pk}/notes/", {"body": "Secret margin", "attachments": file()}
    )
    with tenant_a.active():
        note = Note.objects.get()
        attachment = note.attachments.get()
    other = tenant_a.client(tenant_a.make_user(Role.SALES_REP))
    assert other.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert other.post(f"/deals/{records['deal'].pk}/notes/", {"body": "x"}).status_code == 404
    assert other.post(f"/notes/{note.pk}/delete/").status_code == 404
    assert other.get(f"/api/v1/notes/{note.pk}/").status_code == 404
    # a colleague who sees the deal but did not write the note cannot delete it
    support = tenant_a.client(tenant_a.make_user(Role.SUPPORT))
    assert support.get(f"/deals/{records['deal'].pk}/").status_code == 200
    assert support.post(f"/notes/{note.pk}/delete/").status_code == 403
    assert tenant_a.client(records["owner"]).post(f"/notes/{note.pk}/delete/").status_code == 302
    with tenant_a.active():
        assert not Note.objects.exists()
        assert not Attachment.objects.exists()


def test_the_api_lists_adds_and_deletes_notes(tenant_a, records):
    client = tenant_a.client(records["rep"])
    company = records["company"]
    created = client.post(
        "/api/v1/notes/",
        {"company": company.pk, "body": "Prefers invoices by post"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["author"]["id"] == records["rep"].pk
    with_files = client.post(
        "/api/v1/notes/", {"deal": str(records["deal"].pk), "files": [file(), file("b.txt")]}
    )
    assert with_files.status_code == 201, with_files.content
    assert [item["filename"] for item in with_files.json()["attachments"]] == [
        "contract.txt",
        "b.txt",
    ]
    listed = client.get("/api/v1/notes/", {"company": company.pk}).json()
    assert [note["body"] for note in listed] == ["Prefers invoices by post"]
    assert client.get("/api/v1/notes/").status_code == 400
    both = client.get("/api/v1/notes/", {"company": company.pk, "deal": records["deal"].pk})
    assert both.json() == {
        "non_field_errors": ["Name one record: contact, company or deal (an id)."]
    }
    unknown = client.post(
        "/api/v1/notes/",
        {"company": company.pk, "body": "x", "pinned": True},
        content_type="application/json",
    )
    assert unknown.json() == {"pinned": ["Unknown field."]}
    empty = client.post(
        "/api/v1/notes/", {"company": company.pk, "body": ""}, content_type="application/json"
    )
    assert empty.json() == {"body": ["Write the note or attach a file."]}
    hidden = client.post(
        "/api/v1/notes/", {"company": 999999, "body": "x"}, content_type="application/json"
    )
    assert hidden.json() == {"company": ["No such company."]}
    note_id = created.json()["id"]
    assert client.delete(f"/api/v1/notes/{note_id}/").status_code == 204
    assert client.get(f"/api/v1/notes/{note_id}/").status_code == 404


def test_a_merge_moves_notes_and_an_erasure_removes_them(tenant_a, records):
    owner = records["owner"]
    client = tenant_a.client(owner)
    with tenant_a.active():
        twin = contact_create(actor=owner, data={"first_name": "Hana", "emails": ["h@heron.test"]})
    client.post(f"/contacts/{twin.pk}/notes/", {"body": "From the twin", "attachments": file()})
    with tenant_a.active():
        contacts_merge(actor=owner, survivor=records["contact"], merged=twin, take_from_merged=[])
        assert Note.objects.get().contact_id == records["contact"].pk
        stored = Attachment.objects.get().file.name
        contact_erase(actor=owner, contact=records["contact"])
        assert not Note.objects.exists()
        assert not Attachment.objects.exists()
        assert not default_storage.exists(stored)


def test_the_notes_block_in_russian(tenant_a, records):
    client = tenant_a.client(records["rep"], HTTP_ACCEPT_LANGUAGE="ru")
    card = client.get(f"/companies/{records['company'].pk}/").content.decode()
    assert "Заметки и файлы" in card
    assert "Добавить заметку" in card
