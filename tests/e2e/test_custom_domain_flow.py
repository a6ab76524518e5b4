"""A company puts its portal on a domain of its own: the admin adds it, is told the DNS record
to publish, checks it (first too early, then once published in the test's DNS server, which
the server processes ask), and the company's customers sign up, verify by the mailed link and
shop at that domain. Chromium maps *.test to the test server."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import csp_violations
from tests.e2e.test_foundation_flows import sign_up
from tests.e2e.test_portal_flow import customer_sign_up

pytestmark = pytest.mark.e2e

SUBDOMAIN = "own-domain"
DOMAIN = "shop.own-domain.test"


def test_portal_on_the_companys_own_domain(page: Page, site, server, dns):
    sign_up(
        page,
        site,
        company="Own Domain Traders",
        subdomain=SUBDOMAIN,
        owner="Olga Owner",
        email="olga@own-domain.test",
    )
    expect(page.get_by_test_id("tenant-name")).to_have_text("Own Domain Traders")
    page.goto(site(SUBDOMAIN, "/settings/portal/"))
    domains = page.get_by_test_id("domains")
    # a bad name is a form error
    domains.get_by_label("Your domain").fill("192.168.0.1")
    page.get_by_test_id("domain-add").click()
    expect(page.get_by_text("Enter a domain name, not an IP address.")).to_be_visible()
    domains.get_by_label("Your domain").fill(f"https://{DOMAIN}/")
    page.get_by_test_id("domain-add").click()
    expect(page.get_by_test_id("domain-record-name")).to_have_text(f"_tenantly.{DOMAIN}")
    value = page.get_by_test_id("domain-record-value").inner_text()
    assert re.fullmatch(r"tenantly-verification=[0-9a-f]{32}", value)

    # too early: the record is not there yet
    page.get_by_test_id("domain-check").click()
    expect(page.get_by_test_id("domain-error")).to_contain_text("No TXT record")
    expect(page.get_by_test_id("domain-status")).to_have_text("waiting for the DNS record")

    dns.txt[f"_tenantly.{DOMAIN}"] = [value]
    page.get_by_test_id("domain-check").click()
    expect(page.get_by_text(f"{DOMAIN} is verified and serves your portal.")).to_be_visible()
    expect(page.get_by_test_id("domain-status")).to_have_text("verified")
    expect(page.get_by_test_id("domain-portal-address")).to_be_visible()
    own = f"http://{DOMAIN}:{server['port']}"
    expect(page.get_by_test_id("domain-link")).to_have_text(f"{own}/portal/")

    # a customer comes to the company's domain, signs up and is mailed a link to it
    customer = page.context.browser.new_context(locale="en-US").new_page()
    blocked = csp_violations(customer)
    customer.goto(f"{own}/")
    expect(customer).to_have_url(re.compile(re.escape(f"{own}/portal/login/")))
    expect(customer.get_by_text("Own Domain Traders").first).to_be_visible()
    customer_sign_up(customer, server, "Dina Domain", "dina@client.test", DOMAIN)
    expect(customer).to_have_url(re.compile(re.escape(f"{own}/portal/")))
    customer.context.close()
    assert blocked == []
