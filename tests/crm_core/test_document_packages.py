"""A deal's document package: several documents of one of its proposals made in the background
(each kept and numbered as one made alone) and handed over as one ZIP, with its progress on
the package's page; a proposal made from the deal's page."""

import io
import uuid
import zipfile
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from crm_core.deals.services import deal_create
from crm_core.jobs.running import running_tag
from crm_core.notifications.models import Notification
from crm_core.parties.services import company_create
from crm_core.proposals.drafting import proposal_create
from crm_core.proposals.models import Document, DocumentPackage, Proposal
from crm_core.proposals.packages import packages_recover
from crm_core.proposals.templating import document_template_save
from tenants.identity.roles import Role
from tests.crm_core.test_proposal_gates import set_up
from tests.crm_core.test_proposals import catalogue, ready_client
from tests.queue import unreachable_broker

pytestmark = pytest.mark.django_db

KINDS = ["contract", "invoice", "act", "delivery_note"]


def the_deal(owner, rep, name="Ampurta Trade"):
    segment = set_up(owner)
    catalogue(owner, segment)
    company, buyer = ready_client(rep, segment, name)
    deal = deal_create(actor=rep, data={"title": f"{name} racks", "company": company})
    return segment, company, buyer, deal


def test_a_deal_makes_its_proposal_and_a_package_of_its_documents_in_the_background(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    year = timezone.localdate().year
    with tenant_a.active():
        _segment, company, buyer, deal = the_deal(owner, rep)
    as_rep = tenant_a.client(rep)
    page = as_rep.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="deal-proposal-new"' in page
    assert 'data-testid="package-form"' not in page  # no proposal yet, nothing to pack

    made = as_rep.post(f"/deals/{deal.pk}/proposals/new/", follow=True)
    with tenant_a.active():
        proposal = Proposal.objects.get()
    assert (proposal.deal_id, proposal.company_id, proposal.contact_id) == (
        deal.pk,
        company.pk,
        buyer.pk,
    )
    assert f"Proposal {proposal.number} is drafted." in made.content.decode()
    assert proposal.lines.count() == 2  # filled from the offer matrix

    with django_capture_on_commit_callbacks(execute=True):
        asked = as_rep.post(
            "/document-packages/new/",
            {"proposal": proposal.pk, "kinds": KINDS + ["contract"], "back": "deal"},
        )
    with tenant_a.active():
        package = DocumentPackage.objects.get()
    assert asked["Location"] == f"/document-packages/{package.pk}/"
    assert (package.status, package.done, package.total, package.deal_id) == (
        "done",
        4,
        4,
        deal.pk,
    )
    assert package.kinds == KINDS  # each once, in the order asked
    assert package.file.name.startswith(f"documents/packages/{package.uuid}/")
    with tenant_a.active():
        documents = list(Document.objects.order_by("id"))
    assert [document.number for document in documents] == [
        f"C-{year}-0001",
        f"INV-{year}-0001",
        f"A-{year}-0001",
        f"DN-{year}-0001",
    ]
    assert package.pages == sum(document.pages for document in documents) >= 4

    shown = as_rep.get(f"/document-packages/{package.pk}/").content.decode()
    assert f'data-live="/ws/document-packages/{package.pk}/"' in shown
    assert 'data-testid="package-download"' in shown
    assert "Contract, Invoice, Act of completed work, Delivery note" in shown
    download = as_rep.get(f"/document-packages/{package.pk}/file/")
    assert download["Content-Disposition"] == (
        f'attachment; filename="documents-{proposal.number}.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.namelist() == [f"{document.number}-v1.pdf" for document in documents]
    invoice = PdfReader(io.BytesIO(archive.read(f"INV-{year}-0001-v1.pdf")))
    assert f"INV-{year}-0001" in invoice.pages[0].extract_text()
    with tenant_a.active():
        notice = Notification.objects.get(recipient=rep, kind=Notification.Kind.PACKAGE_DONE)
    assert notice.url == f"/document-packages/{package.pk}/"
    assert f"documents-{proposal.number}.zip" in notice.text
    deal_page = as_rep.get(f"/deals/{deal.pk}/").content.decode()
    assert 'data-testid="deal-packages"' in deal_page
    assert f"/document-packages/{package.pk}/" in deal_page

    # made again: new versions under the same numbers, in a new package
    with django_capture_on_commit_callbacks(execute=True):
        again = as_rep.post(
            f"/api/v1/proposals/{proposal.pk}/packages/",
            {"kinds": ["invoice"]},
            content_type="application/json",
        )
    assert again.status_code == 202
    followed = as_rep.get(f"/api/v1/document-packages/{again.json()['id']}/").json()
    assert (followed["status"], followed["done"], followed["total"]) == ("done", 1, 1)
    assert followed["url"] == f"/document-packages/{again.json()['id']}/file/"
    with tenant_a.active():
        assert Document.objects.get(kind="invoice", version=2).number == f"INV-{year}-0001"

    # whoever may not see the proposal sees no package
    other = tenant_a.client(tenant_a.make_user(Role.SALES_REP))
    for path in (
        f"/document-packages/{package.pk}/",
        f"/document-packages/{package.pk}/status/",
        f"/document-packages/{package.pk}/file/",
        f"/api/v1/document-packages/{package.pk}/",
    ):
        assert other.get(path).status_code == 404
    for chosen in (proposal.pk, "x1", ""):
        answer = other.post("/document-packages/new/", {"proposal": chosen, "kinds": ["act"]})
        assert answer.status_code == 404


def test_a_package_asking_for_nothing_known_is_refused_and_a_locked_deal_says_why(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        _segment, company, _buyer, deal = the_deal(owner, rep)
        proposal = proposal_create(actor=rep, client=company, data={"deal": deal})
        bare = company_create(actor=rep, data={"name": "Numbat Bare"})
        locked = deal_create(actor=rep, data={"title": "Numbat", "company": bare})
    as_rep = tenant_a.client(rep)
    refused = as_rep.post(
        "/document-packages/new/",
        {"proposal": proposal.pk, "kinds": ["passport"], "back": "deal"},
        follow=True,
    )
    assert refused.redirect_chain[-1][0] == f"/deals/{deal.pk}/"
    assert "Choose the documents to make." in refused.content.decode()
    for body, field in (
        ({"kinds": []}, "kinds"),
        ({"kinds": ["passport"]}, "kinds"),
        ({"kinds": ["act"], "zip": True}, "zip"),
    ):
        api = as_rep.post(
            f"/api/v1/proposals/{proposal.pk}/packages/", body, content_type="application/json"
        )
        assert api.status_code == 400
        assert field in api.json()
    with tenant_a.active():
        assert not DocumentPackage.objects.exists()
        assert not Document.objects.exists()

    # the client's way to a proposal is not done: the deal's page says which step is locked
    answer = as_rep.post(f"/deals/{locked.pk}/proposals/new/", follow=True)
    assert answer.redirect_chain[-1][0] == f"/deals/{locked.pk}/"
    assert "segment" in answer.content.decode().lower()
    with tenant_a.active():
        assert Proposal.objects.count() == 1


def test_a_package_whose_template_breaks_fails_saying_so_and_one_whose_worker_died_too(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment, company, _buyer, deal = the_deal(owner, rep)
        proposal = proposal_create(actor=rep, client=company, data={"deal": deal})
        # a template that passes the check but cannot be filled (it divides by zero)
        document_template_save(
            actor=owner,
            template=None,
            data={
                "kind": "act",
                "segment": segment,
                "language": proposal.language,
                "name": "Broken act",
                "body": "<p>{{ 1 / 0 }}</p>",
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        tenant_a.client(rep).post(
            "/document-packages/new/", {"proposal": proposal.pk, "kinds": ["contract", "act"]}
        )
    with tenant_a.active():
        package = DocumentPackage.objects.get()
        assert (package.status, package.done) == ("failed", 1)
        assert package.problem == (
            "The template “Broken act” cannot be filled: Line 1: division by zero"
        )
        assert Notification.objects.filter(
            recipient=rep, kind=Notification.Kind.PACKAGE_FAILED
        ).exists()
    page = tenant_a.client(rep).get(f"/document-packages/{package.pk}/").content.decode()
    assert 'data-testid="package-problem"' in page
    assert tenant_a.client(rep).get(f"/document-packages/{package.pk}/file/").status_code == 404

    # a package left running with no database session behind it fails at the next recovery
    with tenant_a.active():
        dead, alive = (
            DocumentPackage.objects.create(
                uuid=uuid.uuid4(),
                proposal=proposal,
                kinds=["contract"],
                total=1,
                filename="documents.zip",
                created_by=rep,
                status=DocumentPackage.Status.RUNNING,
                running_since=timezone.now() - timedelta(minutes=10),
            )
            for _ in range(2)
        )
        tag = running_tag(alive)
    session = psycopg.connect(**connection.get_connection_params(), application_name=tag)
    with session, tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        assert packages_recover() == 1
        dead.refresh_from_db()
        assert dead.status == DocumentPackage.Status.FAILED
        assert dead.problem == "The documents stopped when their worker did. Ask again."
        assert DocumentPackage.objects.get(pk=alive.pk).status == DocumentPackage.Status.RUNNING


def test_a_package_the_queue_cannot_take_says_so(tenant_a, django_capture_on_commit_callbacks):
    owner = tenant_a.owner()
    with tenant_a.active():
        _segment, company, _buyer, deal = the_deal(owner, owner)
        proposal = proposal_create(actor=owner, client=company, data={"deal": deal})
    with unreachable_broker(), django_capture_on_commit_callbacks(execute=True):
        answer = tenant_a.client(owner).post(
            "/document-packages/new/", {"proposal": proposal.pk, "kinds": ["contract"]}
        )
    assert answer.status_code == 302
    with tenant_a.active():
        package = DocumentPackage.objects.get()
    assert package.status == DocumentPackage.Status.FAILED
    assert package.problem == "The job queue cannot be reached; try again in a minute."
