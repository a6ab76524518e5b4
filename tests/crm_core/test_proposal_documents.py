"""Proposal templates per segment and language: merge fields and conditional blocks checked on
save (an unknown field or broken syntax refused with its line), run in Jinja's sandbox,
rendered to PDF by WeasyPrint and to DOCX by docxtpl in the proposal's language; the
administrators' editor with its merge-field list and preview."""

import hashlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from docx import Document as WordDocument
from pypdf import PdfReader

from crm_core.deals.services import deal_create
from crm_core.proposals.drafting import LineInput, proposal_create, proposal_update
from crm_core.proposals.models import Document, DocumentTemplate
from crm_core.proposals.templating import (
    default_body,
    document_template_save,
    documents_make,
    proposal_docx,
    proposal_html,
    proposal_pdf,
    template_check,
    template_for,
)
from tenants.identity.roles import Role
from tests.crm_core.test_proposal_gates import set_up
from tests.crm_core.test_proposals import catalogue, ready_client

pytestmark = pytest.mark.django_db

SEGMENT_BODY = """<h1>{{ document.title }}</h1>
<p>{{ client.name }}, {{ answers.main_need }}</p>
{% if "TRUCK" in skus %}<p>Fleet section: trucks come with a driver.</p>{% endif %}
{% for line in lines %}<p>{{ line.position }}. {{ line.product }}: {{ line.total }}</p>{% endfor %}
<p>Total {{ document.total }} {{ document.currency }}</p>
"""


def refusal(body, segment=None) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        template_check(body, segment)
    return refused.value.message_dict["body"]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_template_naming_an_unknown_field_or_with_broken_syntax_is_refused_with_the_line(
    tenant_a,
):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = set_up(owner)
        for language in ("en", "ru"):
            template_check(default_body("proposal", language))
        template_check(SEGMENT_BODY, segment)
        assert refusal("<p>\n{{ client.shoe_size }}\n{{ colour }}</p>") == [
            "Line 2: “client.shoe_size” is not a merge field.",
            "Line 3: “colour” is not a merge field.",
        ]
        assert refusal("<p>\n\n{% if lines %}open") == [
            "Line 3: Unexpected end of template. Jinja was looking for the following tags: "
            "'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'."
        ]
        assert refusal("{{ document.total | shout }}") == ["Line 1: No filter named 'shout'."]
        # the needs answers are the segment's questions; a line's fields are the line's
        assert refusal("{{ answers.favourite_colour }}", segment) == [
            "Line 1: “answers.favourite_colour” is not a merge field."
        ]
        assert refusal("{% for line in lines %}{{ line.cost_price }}{% endfor %}") == [
            "Line 1: “line.cost_price” is not a merge field."
        ]
        # nothing outside the values given: attributes of Python objects are not fields
        assert refusal("{{ document.__class__ }}{{ lines.__class__ }}") == [
            "Line 1: “document.__class__” is not a merge field.",
            "Line 1: “lines.__class__” is not a merge field.",
        ]


def test_the_segments_template_in_the_proposals_language_fills_the_pdf_and_the_docx(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        racks, trucks, _loans, _cover = catalogue(owner, segment)
        with pytest.raises(PermissionDenied):
            document_template_save(
                actor=rep,
                template=None,
                data={"kind": "proposal", "language": "en", "name": "x", "body": "x"},
            )
        everyone = document_template_save(
            actor=owner,
            template=None,
            data={
                "kind": "proposal",
                "segment": None,
                "language": "en",
                "name": "Every segment",
                "body": "<p>Generic {{ document.number }}</p>",
            },
        )
        assert template_for("proposal", segment.pk, "en") == ("Every segment", everyone.body)
        assert template_for("proposal", segment.pk, "ru")[0] == "Built-in"
        document_template_save(
            actor=owner,
            template=None,
            data={
                "kind": "proposal",
                "segment": segment,
                "language": "en",
                "name": "Distributors EN",
                "body": SEGMENT_BODY,
            },
        )
        with pytest.raises(ValidationError) as twice:
            document_template_save(
                actor=owner,
                template=None,
                data={
                    "kind": "proposal",
                    "segment": segment,
                    "language": "en",
                    "name": "Again",
                    "body": "<p></p>",
                },
            )
        assert twice.value.message_dict == {
            "segment": [
                "There is already a template of this document for this segment and language."
            ]
        }
        company, _buyer = ready_client(owner, segment, "Ningaui Trade")
        proposal = proposal_create(actor=owner, client=company, data={"language": "en"})
        html = proposal_html(proposal)
        assert "Ningaui Trade, Delivery" in html
        assert "Fleet section" in html  # the trucks are in: the conditional block shows
        text = pdf_text(proposal_pdf(proposal))
        assert "Fleet section: trucks come with a driver." in text
        assert "2. Trucks: 90,000.00" in text
        assert "Total 102,000.00 RUB" in text
        proposal = proposal_update(
            actor=owner,
            proposal=proposal,
            data={"lines": [LineInput(racks, Decimal(3), Decimal(10))]},
        )
        assert "Fleet section" not in proposal_html(proposal)
        # in Russian the built-in template applies, with numbers written the Russian way
        proposal = proposal_update(actor=owner, proposal=proposal, data={"language": "ru"})
        text = pdf_text(proposal_pdf(proposal))
        assert f"Коммерческое предложение № {proposal.number}" in text
        assert "3 240,00" in text.replace("\xa0", " ")
        word = WordDocument(io.BytesIO(proposal_docx(proposal)))
        rows = [[cell.text for cell in row.cells] for row in word.tables[0].rows]
        assert rows[0] == ["Товар", "Количество", "Цена", "Скидка, %", "Итого"]
        assert rows[1][0] == "Racks"
        assert rows[1][3] == "10"
        assert trucks.name not in "".join(cell for row in rows for cell in row)


def test_the_editor_lists_the_fields_previews_refuses_with_the_line_and_saves(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, _buyer = ready_client(rep, segment, "Planigale Trade")
        proposal = proposal_create(actor=rep, client=company, data={})
    assert tenant_a.client(rep).get("/settings/documents/").status_code == 403
    as_owner = tenant_a.client(owner)
    page = as_owner.get("/settings/documents/new/").content.decode()
    assert "{{ client.tax_id }}" in page
    assert "{{ document.total }}" in page
    form = {
        "kind": "proposal",
        "segment": segment.pk,
        "language": "en",
        "name": "Distributors",
        "body": "<p>Hello</p>\n<p>{{ client.shoe_size }}</p>",
        "save": "",
    }
    refused = as_owner.post("/settings/documents/new/", form).content.decode()
    assert "Line 2: “client.shoe_size” is not a merge field." in refused
    assert "{{ answers.main_need }}" in refused  # the segment's questions are listed
    form["body"] = SEGMENT_BODY
    del form["save"]
    form["preview"] = ""
    preview = as_owner.post("/settings/documents/new/", form).content.decode()
    assert 'data-testid="template-preview-frame"' in preview
    assert "Planigale Trade, Delivery" in preview  # the newest proposal of the segment
    del form["preview"]
    form["save"] = ""
    saved = as_owner.post("/settings/documents/new/", form)
    assert saved.status_code == 302
    listed = as_owner.get("/settings/documents/").content.decode()
    assert "Distributors" in listed
    pdf = tenant_a.client(rep).get(f"/proposals/{proposal.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "Planigale Trade, Delivery" in pdf_text(pdf.content)
    docx = tenant_a.client(rep).get(f"/proposals/{proposal.pk}/docx/")
    assert docx["Content-Disposition"].endswith(f'proposal-{proposal.number}.docx"')
    with tenant_a.active():
        template = DocumentTemplate.objects.get()
    deleted = as_owner.post(f"/settings/documents/{template.pk}/delete/")
    assert deleted.status_code == 302
    with tenant_a.active():
        assert not DocumentTemplate.objects.exists()


def test_the_api_saves_templates_refusing_with_the_line_and_serves_the_files(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, _buyer = ready_client(rep, segment, "Mulgara Trade")
        proposal = proposal_create(actor=rep, client=company, data={})
    api = tenant_a.client(owner)
    fields = api.get(f"/api/v1/document-merge-fields/?segment={segment.pk}").json()
    assert fields["answers"]["answers.main_need"] == "Main need"
    assert fields["client"]["client.tax_id"] == "tax id"
    body = {"kind": "proposal", "segment": segment.pk, "language": "en", "name": "API"}
    broken = api.post(
        "/api/v1/document-templates/",
        {**body, "body": "<p>\n{% for line in lines %}{{ line.product }}"},
        content_type="application/json",
    )
    assert broken.status_code == 400
    assert broken.json()["body"][0].startswith("Line 2: Unexpected end of template.")
    stranger = api.post(
        "/api/v1/document-templates/",
        {**body, "body": "<p></p>", "colour": "red"},
        content_type="application/json",
    )
    assert stranger.status_code == 400
    assert "colour" in stranger.json()
    made = api.post(
        "/api/v1/document-templates/",
        {**body, "body": "<p>API {{ client.name }}</p>"},
        content_type="application/json",
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    changed = api.put(
        f"/api/v1/document-templates/{pk}/",
        {**body, "body": "<p>API v2 {{ client.name }}</p>"},
        content_type="application/json",
    )
    assert changed.json()["body"] == "<p>API v2 {{ client.name }}</p>"
    assert tenant_a.client(rep).get("/api/v1/document-templates/").status_code == 403
    pdf = tenant_a.client(rep).get(f"/api/v1/proposals/{proposal.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert "API v2 Mulgara Trade" in pdf_text(pdf.content)
    docx = tenant_a.client(rep).get(f"/api/v1/proposals/{proposal.pk}/docx/")
    assert docx.content[:2] == b"PK"
    assert api.delete(f"/api/v1/document-templates/{pk}/").status_code == 204


def test_a_proposals_documents_are_numbered_per_kind_and_year_kept_and_versioned(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    year = timezone.localdate().year
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, _buyer = ready_client(rep, segment, "Ampurta Trade")
        proposal = proposal_create(actor=rep, client=company, data={"language": "ru"})
        with pytest.raises(ValidationError) as bad:
            documents_make(actor=rep, proposal=proposal, kinds=["passport"])
        assert bad.value.message_dict == {"kinds": ["Choose the documents to make."]}
        made = documents_make(
            actor=rep, proposal=proposal, kinds=["contract", "invoice", "act", "delivery_note"]
        )
        assert [row.number for row in made] == [
            f"C-{year}-0001",
            f"INV-{year}-0001",
            f"A-{year}-0001",
            f"DN-{year}-0001",
        ]
        invoice = made[1]
        kept = invoice.file.read()
        text = pdf_text(kept)
        assert f"Счёт на оплату № INV-{year}-0001" in text
        assert "Ampurta Trade" in text
        assert "Racks" in text
        assert invoice.sha256 == hashlib.sha256(kept).hexdigest()
        (again,) = documents_make(actor=rep, proposal=proposal, kinds=["invoice"])
        assert (again.number, again.version) == (f"INV-{year}-0001", 2)
        assert Document.objects.filter(kind="invoice").count() == 2
    as_rep = tenant_a.client(rep)
    page = as_rep.get(f"/proposals/{proposal.pk}/").content.decode()
    assert f"INV-{year}-0001" in page
    assert "version 2" in page
    card = as_rep.get(f"/companies/{company.pk}/").content.decode()
    assert f"C-{year}-0001" in card
    made_page = as_rep.post(
        f"/proposals/{proposal.pk}/documents/", {"kinds": ["proposal"]}, follow=True
    )
    assert f"Made: {proposal.number} v1." in made_page.content.decode()
    file = as_rep.get(f"/documents/{again.pk}/file/")
    assert file.content.startswith(b"%PDF")
    other = tenant_a.make_user(Role.SALES_REP)
    assert tenant_a.client(other).get(f"/documents/{again.pk}/file/").status_code == 404
    api = as_rep.post(
        f"/api/v1/proposals/{proposal.pk}/documents/",
        {"kinds": ["act"]},
        content_type="application/json",
    )
    assert api.status_code == 201
    assert (api.json()[0]["number"], api.json()[0]["version"]) == (f"A-{year}-0001", 2)
    listed = as_rep.get(f"/api/v1/proposals/{proposal.pk}/documents/").json()
    assert len(listed) == 7
    for body, field in (({"kinds": ["passport"]}, "kinds"), ({"kinds": [], "extra": 1}, "extra")):
        refused = as_rep.post(
            f"/api/v1/proposals/{proposal.pk}/documents/", body, content_type="application/json"
        )
        assert refused.status_code == 400
        assert field in refused.json()


def test_a_deals_page_lists_its_proposals_and_their_documents(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, _buyer = ready_client(rep, segment, "Dibbler Supply")
        deal = deal_create(actor=rep, data={"title": "Dibbler racks", "company": company})
        other = deal_create(actor=rep, data={"title": "Dibbler trucks", "company": company})
        proposal = proposal_create(actor=rep, client=company, data={"deal": deal})
        (contract,) = documents_make(actor=rep, proposal=proposal, kinds=["contract"])
    page = tenant_a.client(rep).get(f"/deals/{deal.pk}/").content.decode()
    assert proposal.number in page
    assert contract.number in page
    quiet = tenant_a.client(rep).get(f"/deals/{other.pk}/").content.decode()
    assert proposal.number not in quiet
    assert 'data-testid="deal-proposal-new"' in quiet
    # a colleague given the deal, who may not see the rep's proposal, sees neither
    colleague = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        deal.owner = colleague
        deal.save(update_fields=["owner"])
    theirs = tenant_a.client(colleague).get(f"/deals/{deal.pk}/").content.decode()
    assert contract.number not in theirs
