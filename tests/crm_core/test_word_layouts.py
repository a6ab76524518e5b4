"""An administrator's own Word layout for a segment's proposals (docxtpl tags in a .docx):
checked on upload like an HTML template (an unknown merge field or a broken block refused,
named; a file that is not a .docx refused), kept with the template, used by the proposal's
DOCX download, removable; through the editor and the API."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from docx import Document as WordDocument

from crm_core.proposals.drafting import proposal_create
from crm_core.proposals.models import DocumentTemplate
from tenants.identity.roles import Role
from tests.crm_core.test_proposal_gates import set_up
from tests.crm_core.test_proposals import catalogue, ready_client

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def word(*paragraphs: str, header: str = "", rows: bool = False) -> bytes:
    """A .docx written as Word would keep it: paragraphs, an optional header, and a table
    with a row per proposal line."""
    document = WordDocument()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for text in paragraphs:
        document.add_paragraph(text)
    if rows:
        table = document.add_table(rows=3, cols=2)
        table.rows[0].cells[0].text = "{%tr for line in lines %}"
        table.rows[1].cells[0].text = "{{ line.product }}"
        table.rows[1].cells[1].text = "{{ line.total }}"
        table.rows[2].cells[0].text = "{%tr endfor %}"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def text_of(data: bytes) -> str:
    document = WordDocument(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    header = document.sections[0].header.paragraphs[0].text
    return "\n".join([header, *(p.text for p in document.paragraphs), *cells])


def upload(data: bytes, name: str = "layout.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=DOCX)


def test_the_editor_takes_a_word_layout_refusing_unknown_fields_and_the_docx_follows_it(
    tenant_a,
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, _buyer = ready_client(rep, segment, "Kultarr Trade")
        proposal = proposal_create(actor=rep, client=company, data={"language": "en"})
    as_owner = tenant_a.client(owner)
    form = {
        "kind": "proposal",
        "segment": segment.pk,
        "language": "en",
        "name": "Distributors",
        "body": "<p>{{ client.name }}</p>",
        "save": "",
    }
    page = as_owner.get("/settings/documents/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "/settings/documents/word/ru/" in page  # the built-in layout, to start from
    built_in = as_owner.get("/settings/documents/word/en/")
    assert "{{ document.title }}" in text_of(built_in.content)
    assert tenant_a.client(rep).get("/settings/documents/word/en/").status_code == 403

    for data, problem in (
        (
            word("{{ client.shoe_size }}", header="{{ colour }}"),
            "In the Word file: “client.shoe_size” is not a merge field.",
        ),
        (word("{% if lines %}open"), "In the Word file: Unexpected end of template."),
        (b"%PDF-1.7 not a word file", "The file is not a Word document (.docx)."),
    ):
        refused = as_owner.post("/settings/documents/new/", {**form, "docx": upload(data)})
        assert refused.status_code == 200
        assert problem in refused.content.decode()
    header_refused = as_owner.post(
        "/settings/documents/new/", {**form, "docx": upload(word("ok", header="{{ colour }}"))}
    )
    assert "In the Word file: “colour” is not a merge field." in header_refused.content.decode()
    with tenant_a.active():
        assert not DocumentTemplate.objects.exists()  # nothing kept from a refusal

    layout = word(
        "Kultarr layout for {{ client.name }}: {{ answers.main_need }}",
        "Total {{ document.total }} {{ document.currency }}",
        header="{{ seller.name }}",
        rows=True,
    )
    saved = as_owner.post("/settings/documents/new/", {**form, "docx": upload(layout)})
    assert saved.status_code == 302
    with tenant_a.active():
        template = DocumentTemplate.objects.get()
    assert template.docx.name.endswith("layout.docx")
    edit = as_owner.get(f"/settings/documents/{template.pk}/").content.decode()
    assert 'data-testid="word-layout-kept"' in edit
    assert as_owner.get(f"/settings/documents/{template.pk}/word/").getvalue() == layout

    made = text_of(tenant_a.client(rep).get(f"/proposals/{proposal.pk}/docx/").content)
    assert "Kultarr layout for Kultarr Trade: Delivery" in made
    assert "Racks" in made  # a table row per line
    assert "Trucks" in made

    # saved again without a file: the layout stays; "remove": the built-in one applies again
    assert as_owner.post(f"/settings/documents/{template.pk}/", form).status_code == 302
    with tenant_a.active():
        assert DocumentTemplate.objects.get().docx
    removed = as_owner.post(f"/settings/documents/{template.pk}/", {**form, "docx_remove": "on"})
    assert removed.status_code == 302
    with tenant_a.active():
        assert not DocumentTemplate.objects.get().docx
    plain = text_of(tenant_a.client(rep).get(f"/proposals/{proposal.pk}/docx/").content)
    assert "Kultarr layout" not in plain
    assert f"№ {proposal.number}" in plain


def test_the_api_uploads_and_removes_a_word_layout_for_proposals_only(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, _buyer = ready_client(owner, segment, "Ningaui Trade")
        proposal = proposal_create(actor=owner, client=company, data={"language": "en"})
    api = tenant_a.client(owner)
    made = {}
    for kind in ("proposal", "invoice"):
        made[kind] = api.post(
            "/api/v1/document-templates/",
            {"kind": kind, "language": "en", "name": kind, "body": "<p>{{ client.name }}</p>"},
            content_type="application/json",
        ).json()
        assert made[kind]["word_layout"] is None
    proposal_template, invoice_template = made["proposal"]["id"], made["invoice"]["id"]

    refused = api.put(
        f"/api/v1/document-templates/{invoice_template}/word/",
        encode({"file": upload(word("{{ client.name }}"))}),
        content_type=MULTIPART,
    )
    assert refused.status_code == 400
    assert refused.json() == {"docx": ["A Word layout is used for proposals only."]}
    unknown = api.put(
        f"/api/v1/document-templates/{proposal_template}/word/",
        encode({"file": upload(word("{{ client.name }}")), "layout": "x"}),
        content_type=MULTIPART,
    )
    assert unknown.status_code == 400
    assert "layout" in unknown.json()
    bad = api.put(
        f"/api/v1/document-templates/{proposal_template}/word/",
        encode({"file": upload(word("{{ document.cost }}"))}),
        content_type=MULTIPART,
    )
    assert bad.json() == {"docx": ["In the Word file: “document.cost” is not a merge field."]}

    # a template for every segment serves a segment that has none of its own
    kept = api.put(
        f"/api/v1/document-templates/{proposal_template}/word/",
        encode({"file": upload(word("API layout {{ document.number }}"))}),
        content_type=MULTIPART,
    )
    assert kept.status_code == 200
    assert kept.json()["word_layout"] == f"/settings/documents/{proposal_template}/word/"
    docx = api.get(f"/api/v1/proposals/{proposal.pk}/docx/")
    assert f"API layout {proposal.number}" in text_of(docx.content)
    gone = api.delete(f"/api/v1/document-templates/{proposal_template}/word/")
    assert gone.json()["word_layout"] is None
    assert "API layout" not in text_of(api.get(f"/api/v1/proposals/{proposal.pk}/docx/").content)


MULTIPART = "multipart/form-data; boundary=BoUnDaRy"


def encode(data: dict) -> bytes:
    return encode_multipart("BoUnDaRy", data)
