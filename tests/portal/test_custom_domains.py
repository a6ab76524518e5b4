"""A company's own domain for its portal: added in the portal settings, proved by a DNS TXT
record (looked up through the real resolver against tests/dns_server.py), then routed, used in
mailed links, and removed. Another company can never claim, check or remove it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from portal.services.accounts import customer_signup
from tenants.identity.roles import Role
from tenants.models import CustomDomain, Domain
from tenants.services.domains import (
    RECORD_GONE_DAYS,
    domain_add,
    domain_normalize,
    pending_domains_check,
    verified_domains_recheck,
)
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SHOP = "shop.alpha-trading.test"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shop.Example.COM", "shop.example.com"),
        ("https://shop.example.com:8443/portal/?x=1", "shop.example.com"),
        ("shop.example.com.", "shop.example.com"),
        ("магазин.пример.рф", "xn--80aairftm.xn--e1afmkfd.xn--p1ai"),
    ],
)
def test_domains_are_normalised(text, expected):
    assert domain_normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a domain"),
        ("localhost", "not a valid domain"),
        ("10.0.0.1", "not an IP address"),
        ("shop_1.example.com", "not a valid domain"),
        ("-shop.example.com", "not a valid domain"),
        ("acme.localhost", "come with your workspace"),
        ("a" * 64 + ".example.com", "not a valid domain"),
    ],
)
def test_bad_domains_say_what_is_wrong(text, message):
    with pytest.raises(ValidationError) as caught:
        domain_normalize(text)
    assert message in " ".join(caught.value.messages)


def _add(handle, domain=SHOP):
    return handle.client(handle.owner()).post(
        "/settings/portal/", {"form": "domain", "domain": domain}, follow=True
    )


def test_an_admin_adds_a_domain_and_sees_the_record_to_publish(tenant_a):
    page = _add(tenant_a).content.decode()
    custom = CustomDomain.objects.get(tenant=tenant_a.tenant)
    assert (custom.domain, custom.status) == (SHOP, CustomDomain.Status.PENDING)
    assert f"_tenantly.{SHOP}" in page
    assert f"tenantly-verification={custom.token}" in page
    # not routed before it is proved
    assert not Domain.objects.filter(domain=SHOP).exists()
    assert Client(HTTP_HOST=SHOP).get("/portal/login/").status_code == 404


def test_a_bad_domain_is_a_form_error_and_stores_nothing(tenant_a):
    _add(tenant_a)
    response = _add(tenant_a, "https://10.1.2.3/")
    assert "not an IP address" in response.content.decode()
    assert "not an IP address" in response.context["domain_form"].errors["domain"][0]
    assert list(CustomDomain.objects.values_list("domain", flat=True)) == [SHOP]
    again = _add(tenant_a, SHOP.upper())
    assert "already on the list" in again.context["domain_form"].errors["domain"][0]


def test_only_owners_and_admins_manage_domains(tenant_a):
    rep = tenant_a.client(tenant_a.make_user(Role.SALES_REP))
    assert rep.post("/settings/portal/", {"form": "domain", "domain": SHOP}).status_code == 403
    assert not CustomDomain.objects.exists()


def test_the_check_reports_a_missing_record_then_verifies_and_routes(tenant_a, dns_server):
    _add(tenant_a)
    custom = CustomDomain.objects.get(domain=SHOP)
    owner = tenant_a.client(tenant_a.owner())

    page = owner.post(f"/settings/portal/domains/{custom.pk}/check/", follow=True)
    assert "No TXT record" in page.content.decode()
    custom.refresh_from_db()
    assert custom.status == CustomDomain.Status.PENDING
    assert custom.checked_at is not None
    assert dns_server.asked == [f"_tenantly.{SHOP}"]

    dns_server.txt[f"_tenantly.{SHOP}"] = ["v=spf1 -all", custom.record_value]
    page = owner.post(f"/settings/portal/domains/{custom.pk}/check/", follow=True)
    assert "is verified" in page.content.decode()
    custom.refresh_from_db()
    assert (custom.status, custom.is_portal_address) == (CustomDomain.Status.VERIFIED, True)
    assert Domain.objects.get(domain=SHOP).tenant == tenant_a.tenant
    # the workspace keeps its own address as the primary one
    assert Domain.objects.get(tenant=tenant_a.tenant, is_primary=True).domain == tenant_a.host

    # the company's own domain is its customers' front door, branded as the company
    visitor = Client(HTTP_HOST=SHOP)
    assert visitor.get("/")["Location"] == "/portal/"
    assert visitor.get("/contacts/")["Location"] == "/portal/"
    login = visitor.get("/portal/login/")
    assert login.status_code == 200
    assert tenant_a.company in login.content.decode()


def test_a_wrong_token_does_not_verify(tenant_a, dns_server):
    _add(tenant_a)
    dns_server.txt[f"_tenantly.{SHOP}"] = ["tenantly-verification=someone-elses"]
    assert pending_domains_check() == 0
    assert CustomDomain.objects.get(domain=SHOP).status == CustomDomain.Status.PENDING


def test_a_silent_resolver_is_reported_and_changes_nothing(tenant_a, dns_server):
    _add(tenant_a)
    custom = CustomDomain.objects.get(domain=SHOP)
    dns_server.silent = True
    page = tenant_a.client(tenant_a.owner()).post(
        f"/settings/portal/domains/{custom.pk}/check/", follow=True
    )
    assert "DNS did not answer" in page.content.decode()
    assert CustomDomain.objects.get(pk=custom.pk).status == CustomDomain.Status.PENDING
    assert not Domain.objects.filter(domain=SHOP).exists()


def test_the_beat_job_verifies_once_the_record_appears(tenant_a, dns_server):
    _add(tenant_a)
    custom = CustomDomain.objects.get(domain=SHOP)
    assert pending_domains_check() == 0
    dns_server.txt[f"_tenantly.{SHOP}"] = [custom.record_value]
    assert pending_domains_check() == 1
    assert Domain.objects.filter(domain=SHOP, tenant=tenant_a.tenant).exists()


def _verified(handle, dns_server, domain=SHOP) -> CustomDomain:
    _add(handle, domain)
    custom = CustomDomain.objects.get(domain=domain, tenant=handle.tenant)
    dns_server.txt[f"_tenantly.{domain}"] = [custom.record_value]
    pending_domains_check()
    custom.refresh_from_db()
    return custom


def test_one_company_cannot_take_anothers_domain(tenant_a, tenant_b, dns_server):
    # both claim it; only the one that publishes its own token gets it
    _add(tenant_a)
    _add(tenant_b)
    claim_b = CustomDomain.objects.get(tenant=tenant_b.tenant)
    mine = _verified(tenant_a, dns_server)
    assert mine.status == CustomDomain.Status.VERIFIED
    dns_server.txt[f"_tenantly.{SHOP}"].append(claim_b.record_value)
    page = tenant_b.client(tenant_b.owner()).post(
        f"/settings/portal/domains/{claim_b.pk}/check/", follow=True
    )
    assert "used by another workspace" in page.content.decode()
    assert Domain.objects.get(domain=SHOP).tenant == tenant_a.tenant
    CustomDomain.objects.filter(tenant=tenant_b.tenant).delete()
    with tenant_b.active(), pytest.raises(ValidationError, match="another workspace"):
        domain_add(actor=tenant_b.owner(), tenant=tenant_b.tenant, domain=SHOP)
    # B's ids of A's domain are as missing as wrong ones, for every action
    b_owner = tenant_b.client(tenant_b.owner())
    for action in ("check", "delete", "address"):
        assert b_owner.post(f"/settings/portal/domains/{mine.pk}/{action}/").status_code == 404
    mine.refresh_from_db()
    assert (mine.status, mine.is_portal_address) == (CustomDomain.Status.VERIFIED, True)
    # and B's session cookie means nothing on A's domain
    session = b_owner.cookies["sessionid"].value
    stranger = Client(HTTP_HOST=SHOP)
    stranger.cookies["sessionid"] = session
    assert stranger.get("/portal/orders/")["Location"].startswith("/portal/login/")


def test_mailed_portal_links_use_the_chosen_address(
    tenant_a, dns_server, settings, django_capture_on_commit_callbacks
):
    custom = _verified(tenant_a, dns_server)
    with tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        customer_signup(email="dora@client.test", full_name="Dora Buyer", password=PASSWORD)
    assert f"http://{SHOP}:{settings.BASE_URL_PORT}/portal/verify/" in mail.outbox[-1].body

    owner = tenant_a.client(tenant_a.owner())
    owner.post("/settings/portal/domains/address/")
    custom.refresh_from_db()
    assert not custom.is_portal_address
    with tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        customer_signup(email="ezra@client.test", full_name="Ezra Buyer", password=PASSWORD)
    assert f"http://{tenant_a.host}:{settings.BASE_URL_PORT}/portal/verify/" in mail.outbox[-1].body

    owner.post(f"/settings/portal/domains/{custom.pk}/address/")
    custom.refresh_from_db()
    assert custom.is_portal_address


def test_a_customer_signs_in_and_shops_on_the_companys_domain(tenant_a, dns_server, customer):
    _verified(tenant_a, dns_server)
    client = Client(HTTP_HOST=SHOP)
    response = client.post(
        "/portal/login/", {"username": customer.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/portal/orders/").status_code == 200
    assert client.get("/")["Location"] == "/portal/"


def test_removing_a_domain_stops_it_answering(tenant_a, dns_server):
    custom = _verified(tenant_a, dns_server)
    other = _verified(tenant_a, dns_server, "portal.alpha-trading.test")
    assert not other.is_portal_address
    tenant_a.client(tenant_a.owner()).post(f"/settings/portal/domains/{custom.pk}/delete/")
    assert not Domain.objects.filter(domain=SHOP).exists()
    assert Client(HTTP_HOST=SHOP).get("/portal/login/").status_code == 404
    # the other verified domain takes over the mailed links
    other.refresh_from_db()
    assert other.is_portal_address
    # the workspace's own address always stays
    assert tenant_a.client().get("/portal/login/").status_code == 200


def test_the_tls_ask_endpoint_admits_only_hosts_the_platform_answers(tenant_a, dns_server):
    """What an on-demand TLS proxy asks before it requests a certificate for a host; it calls
    the web service directly, so the question is answered on any host."""
    public = Client(HTTP_HOST="crm-tenantly-web")
    _add(tenant_a)
    assert public.get("/domains/tls-ask/", {"domain": SHOP}).status_code == 404  # not proved
    _verified(tenant_a, dns_server)
    assert public.get("/domains/tls-ask/", {"domain": SHOP.upper()}).status_code == 200
    assert public.get("/domains/tls-ask/", {"domain": tenant_a.host}).status_code == 200
    assert public.get("/domains/tls-ask/", {"domain": "evil.test"}).status_code == 404
    assert public.get("/domains/tls-ask/").status_code == 404


def test_a_www_domain_is_served_and_www_of_a_workspace_still_is(tenant_a, dns_server):
    """django-tenants drops a leading "www." before its lookup; a company's own domain may be
    www.shop.example all the same, and www.<workspace> keeps reaching the workspace."""
    _verified(tenant_a, dns_server, "www.alpha-trading.test")
    assert Client(HTTP_HOST="www.alpha-trading.test").get("/portal/login/").status_code == 200
    assert Client(HTTP_HOST="alpha-trading.test").get("/portal/login/").status_code == 404
    assert Client(HTTP_HOST=f"www.{tenant_a.host}").get("/portal/login/").status_code == 200


def test_a_verified_domain_whose_record_is_gone_warns_then_stops_routing(tenant_a, dns_server):
    """The daily re-check: a record gone is a warning on the settings page; gone for
    RECORD_GONE_DAYS, the name stops routing (another company may then prove it) and waits
    for its record again; a silent DNS server changes nothing."""

    custom = _verified(tenant_a, dns_server)
    assert verified_domains_recheck() == 0
    del dns_server.txt[f"_tenantly.{SHOP}"]
    dns_server.silent = True
    assert verified_domains_recheck() == 0
    assert CustomDomain.objects.get(pk=custom.pk).record_missing_since is None
    dns_server.silent = False

    assert verified_domains_recheck() == 0
    custom.refresh_from_db()
    assert custom.status == CustomDomain.Status.VERIFIED
    assert Domain.objects.filter(domain=SHOP).exists()
    page = tenant_a.client(tenant_a.owner()).get("/settings/portal/").content.decode()
    assert "is gone. Publish it again by" in page

    later = custom.record_missing_since + timedelta(days=RECORD_GONE_DAYS)
    assert verified_domains_recheck(now=later - timedelta(minutes=1)) == 0
    assert verified_domains_recheck(now=later) == 1
    custom.refresh_from_db()
    assert (custom.status, custom.is_portal_address) == (CustomDomain.Status.PENDING, False)
    assert not Domain.objects.filter(domain=SHOP).exists()
    assert "no longer opens your portal" in custom.check_error

    # published again: Check now routes it once more
    dns_server.txt[f"_tenantly.{SHOP}"] = [custom.record_value]
    tenant_a.client(tenant_a.owner()).post(f"/settings/portal/domains/{custom.pk}/check/")
    assert Domain.objects.get(domain=SHOP).tenant == tenant_a.tenant
    assert verified_domains_recheck(now=timezone.now()) == 0
    assert CustomDomain.objects.get(pk=custom.pk).check_error == ""
