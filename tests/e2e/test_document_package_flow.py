"""A deal's documents in a real browser, with the server's real Celery worker: the rep makes
the proposal from the deal's page, then asks for the contract, invoice, act and delivery note
as one package; the package's page follows the worker and offers the ZIP."""

import zipfile

import pytest
from playwright.sync_api import Page, expect

from crm_core.deals.services import deal_create
from tenants.identity.models import User
from tests.crm_core.test_proposal_gates import set_up
from tests.crm_core.test_proposals import catalogue, ready_client
from tests.e2e.test_analytics_flow import in_company
from tests.e2e.test_foundation_flows import sign_up

pytestmark = pytest.mark.e2e

OWNER = "pavel@packages.test"


def the_deal() -> dict:
    owner = User.objects.get(email=OWNER)
    segment = set_up(owner)
    catalogue(owner, segment)
    company, _buyer = ready_client(owner, segment, "Dibbler Supply")
    deal = deal_create(actor=owner, data={"title": "Dibbler racks", "company": company})
    return {"deal": deal.pk}


def test_a_rep_makes_the_deals_proposal_and_downloads_its_documents_as_one_zip(
    page: Page, site, django_db_blocker
):
    sign_up(page, site, company="Packages Co", subdomain="packages-co", owner="Pavel", email=OWNER)
    made = in_company("packages_co", django_db_blocker, the_deal)
    page.context.set_default_timeout(20_000)
    page.goto(site("packages-co", f"/deals/{made['deal']}/"))
    page.get_by_test_id("deal-proposal-new").click()
    expect(page.get_by_test_id("flash")).to_contain_text("is drafted")
    number = page.get_by_test_id("flash").inner_text().split("Proposal ")[1].split(" ")[0]

    page.goto(site("packages-co", f"/deals/{made['deal']}/"))
    form = page.get_by_test_id("package-form")
    expect(form.get_by_label("Contract")).to_be_checked()
    form.get_by_label("Proposal", exact=True).check()
    form.get_by_test_id("package-make").click()
    ready = page.get_by_test_id("package-ready")
    expect(ready).to_contain_text("5 documents")
    with page.expect_download() as downloading:
        ready.get_by_test_id("package-download").click()
    download = downloading.value
    assert download.suggested_filename == f"documents-{number}.zip"
    names = zipfile.ZipFile(download.path()).namelist()
    assert len(names) == 5
    assert f"{number}-v1.pdf" in names
    assert any(name.startswith("INV-") for name in names)

    page.get_by_role("link", name="Back to the deal").click()
    expect(page.get_by_test_id("deal-packages")).to_contain_text(f"documents-{number}.zip")
    expect(page.get_by_test_id("documents")).to_contain_text("Invoice")
