"""Pricing, a trial signup and a lapsed workspace, in a real browser against the real server
(billing off, as in `make run`)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from billing.models import Subscription
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def lapse(schema: str, blocker) -> None:
    """The subscription ends, as a webhook's worker would record it (in a thread of its own:
    under Playwright's event loop Django refuses ORM calls)."""

    def work() -> None:
        with blocker.unblock():
            Subscription.objects.filter(tenant__schema_name=schema).update(
                status=Subscription.Status.CANCELED
            )
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_pricing_signup_billing_page_and_a_read_only_workspace(page: Page, site, django_db_blocker):
    page.goto(site())
    page.get_by_test_id("nav-pricing").click()
    expect(page.get_by_test_id("billing-off")).to_be_visible()
    expect(page.get_by_test_id("plan-business")).to_contain_text("Elasticsearch search")
    page.get_by_test_id("choose-trial").click()
    page.get_by_label("Company name").fill("Lapse Labs")
    page.get_by_label("Workspace address").fill("lapse-labs")
    page.get_by_label("Your name").fill("Lena Lapse")
    page.get_by_label("Work email").fill("lena@lapse.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create workspace").click()
    expect(page).to_have_url(site("lapse-labs", "/"))

    page.get_by_test_id("nav-billing").click()
    expect(page.get_by_test_id("billing-off")).to_be_visible()
    expect(page.get_by_test_id("billing-status")).to_have_text("Trial")
    expect(page.get_by_test_id("billing-seats")).to_have_text("1 of 10")

    lapse("lapse_labs", django_db_blocker)
    page.goto(site("lapse-labs", "/contacts/new/"))
    expect(page.get_by_test_id("billing-banner")).to_contain_text("read-only")
    form = page.get_by_test_id("record-form")
    form.get_by_label("First name").fill("Late")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("read-only-message")).to_contain_text("export everything")
    page.get_by_role("link", name="Billing").click()
    expect(page.get_by_test_id("billing-status")).to_have_text("Read-only")
    # reading goes on
    page.goto(site("lapse-labs", "/contacts/"))
    expect(page.get_by_test_id("billing-banner")).to_be_visible()
