"""What a company's subscription allows: a lapsed workspace is read-only (and exportable), seats
are limited to what is paid for, and one company's billing is never another's. Stripe is the
local Stripe-format server (see conftest); the code path is the production one."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from billing.models import Invoice, Subscription
from billing.services.subscriptions import SeatLimitReached, seats_set
from crm_core.parties.models import Contact
from tenants.identity.roles import Role
from tenants.identity.services.users import seats_used, user_create
from tests.billing.stripe_fixtures import deliver, subscription_of
from tests.billing.stripe_server import event

pytestmark = pytest.mark.django_db


def _lapse(handle) -> None:
    subscription = subscription_of(handle)
    subscription.status = Subscription.Status.CANCELED
    subscription.save()


def test_a_lapsed_workspace_reads_and_exports_but_refuses_writes(tenant_a, tenant_b):
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    assert client.post("/contacts/new/", {"first_name": "Before"}).status_code in (200, 302)
    _lapse(tenant_a)

    assert client.get("/contacts/").status_code == 200
    page = client.get("/").content.decode()
    assert 'data-state="read-only"' in page
    refused = client.post("/contacts/new/", {"first_name": "Ivan", "last_name": "Late"})
    assert refused.status_code == 403
    assert "read-only" in refused.content.decode()
    assert "/settings/billing/" in refused.content.decode()
    htmx = client.post("/contacts/new/", {"first_name": "X"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 403
    assert "tenantly:read-only" in htmx["HX-Trigger"]
    api = client.post("/api/v1/contacts/", {"first_name": "Api"}, content_type="application/json")
    assert api.status_code == 403
    assert api.json()["code"] == "read_only"
    assert api.json()["billing_url"] == "/settings/billing/"
    # reading everything out still works, by GET and by the list's export button
    assert client.get("/contacts/export.csv").status_code == 200
    assert client.post("/contacts/export.csv", {"query": ""}).status_code == 200
    with tenant_a.active():
        assert not Contact.objects.filter(last_name="Late").exists()
    # signing out and in again work
    assert client.post("/logout/").status_code == 302
    # the other company is untouched
    other = tenant_b.client(tenant_b.owner())
    assert other.post("/contacts/new/", {"first_name": "Bea", "last_name": "B"}).status_code == 302


def test_a_state_change_takes_effect_on_the_next_request(tenant_a, webhook_secret):
    """The webhook's worker changes the row; the next request of any process reads it."""
    subscription = subscription_of(tenant_a)
    subscription.stripe_customer_id = "cus_next"
    subscription.save()
    client = tenant_a.client(tenant_a.owner())
    assert client.post("/contacts/new/", {"first_name": "A", "last_name": "B"}).status_code == 302
    deliver(
        event(
            "customer.subscription.deleted",
            {"id": "sub_n", "customer": "cus_next", "status": "canceled", "items": {"data": []}},
        )
    )
    assert client.post("/contacts/new/", {"first_name": "C", "last_name": "D"}).status_code == 403


def test_the_trial_allows_its_seat_limit(tenant_a):
    plan = subscription_of(tenant_a).plan
    assert plan.max_seats == 10
    with tenant_a.active():
        free = plan.max_seats - seats_used()
    for _ in range(free):
        tenant_a.make_user(Role.SALES_REP)
    with pytest.raises(SeatLimitReached, match="all of them are taken"):
        tenant_a.make_user(Role.SALES_REP)
    response = tenant_a.client(tenant_a.owner()).post(
        "/team/", {"email": "one.more@alpha.test", "full_name": "One More", "role": "sales_rep"}
    )
    assert "all of them are taken" in response.content.decode()
    # portal customers take no seat
    with tenant_a.active():
        user_create(email="buyer@example.test", full_name="B", password=None, role=Role.CUSTOMER)


def test_paid_seats_are_the_limit_and_adding_seats_updates_stripe(tenant_a, stripe_api, paid_plan):
    stripe_sub = stripe_api.subscription(customer="cus_a", price="price_team_month", quantity=2)
    subscription = subscription_of(tenant_a)
    subscription.stripe_customer_id = "cus_a"
    subscription.stripe_subscription_id = stripe_sub["id"]
    subscription.status = Subscription.Status.ACTIVE
    subscription.plan = paid_plan
    subscription.seats = 2
    subscription.save()
    tenant_a.make_user(Role.SALES_REP)  # owner + 1 = 2 seats
    with pytest.raises(SeatLimitReached, match="Add seats"):
        tenant_a.make_user(Role.SALES_REP)

    client = tenant_a.client(tenant_a.owner())
    page = client.get("/settings/billing/").content.decode()
    assert 'data-testid="seats-form"' in page
    below = client.post("/settings/billing/seats/", {"seats": 1}, follow=True)
    assert "2 members are active" in below.content.decode()
    response = client.post("/settings/billing/seats/", {"seats": 5})
    assert response.status_code == 302
    (update,) = stripe_api.calls_to("POST", f"/v1/subscriptions/{stripe_sub['id']}")
    assert update.params["items[0][quantity]"] == "5"
    assert update.params["proration_behavior"] == "create_prorations"
    assert subscription_of(tenant_a).seats == 5
    tenant_a.make_user(Role.SALES_REP)


def test_seats_beyond_the_plan_are_refused(tenant_a, stripe_api, paid_plan):
    stripe_sub = stripe_api.subscription(customer="cus_a", price="price_team_month", quantity=2)
    subscription = subscription_of(tenant_a)
    subscription.stripe_subscription_id = stripe_sub["id"]
    subscription.plan = paid_plan
    subscription.save()
    with tenant_a.active(), pytest.raises(ValidationError, match="at most 50 seats"):
        seats_set(subscription=subscription, seats=51, used=1)


def test_billing_page_is_for_managers_and_shows_only_the_companys_invoices(
    tenant_a, tenant_b, webhook_secret
):
    for handle, customer in ((tenant_a, "cus_inv_a"), (tenant_b, "cus_inv_b")):
        subscription = subscription_of(handle)
        subscription.stripe_customer_id = customer
        subscription.save()
        deliver(
            event(
                "invoice.paid",
                {
                    "id": f"in_{customer}",
                    "customer": customer,
                    "number": f"NUM-{customer}",
                    "status": "paid",
                    "currency": "eur",
                    "amount_due": 100,
                    "amount_paid": 100,
                    "created": 1_700_000_000,
                },
            )
        )
    assert Invoice.objects.count() == 2
    page = tenant_a.client(tenant_a.owner()).get("/settings/billing/").content.decode()
    assert "NUM-cus_inv_a" in page
    assert "NUM-cus_inv_b" not in page
    assert 'data-testid="billing-off"' in page
    rep = tenant_a.make_user(Role.SALES_REP)
    assert tenant_a.client(rep).get("/settings/billing/").status_code == 403
