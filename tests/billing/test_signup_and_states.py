"""Plans, signup on a paid plan through Stripe Checkout, and the company's state following the
subscription's events. Stripe is the local Stripe-format server (see conftest); the code path is
the production one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Subscription
from tenants.models import Tenant
from tests.billing.stripe_fixtures import deliver, subscription_of
from tests.billing.stripe_server import event
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "company_name": "Gamma Foods",
    "subdomain": "gamma",
    "owner_name": "Greta Gamma",
    "email": "greta@gamma.test",
    "password": PASSWORD,
}


def test_billing_off_pricing_and_signup_give_an_open_ended_trial(settings):
    """Without STRIPE_SECRET_KEY the pricing page says so and a signup gets the trial plan
    without expiry; no plan can be bought and nothing pretends a payment happened."""
    settings.STRIPE_SECRET_KEY = ""
    public = Client(HTTP_HOST="localhost")
    page = public.get("/pricing/").content.decode()
    assert 'data-testid="billing-off"' in page
    assert 'data-testid="choose-team"' not in page
    assert 'data-testid="plan-business"' in page

    response = public.post("/signup/", {**SIGNUP, "plan": "team"})
    assert response.status_code == 302
    assert response["Location"].startswith("http://gamma.localhost")
    subscription = Subscription.objects.get(tenant__schema_name="gamma")
    assert subscription.plan.code == "trial"
    assert subscription.trial_ends_at is None
    assert subscription.status == Subscription.Status.TRIALING
    assert not subscription.is_read_only


def test_paid_signup_goes_through_checkout_and_follows_the_subscription(stripe_api, paid_plan):
    public = Client(HTTP_HOST="localhost")
    assert 'data-testid="choose-team"' in public.get("/pricing/").content.decode()
    form = public.get("/signup/?plan=team").content.decode()
    assert 'data-testid="signup-plan"' in form

    response = public.post("/signup/", {**SIGNUP, "plan": "team", "interval": "year", "seats": 3})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_api.url}/pay/cs_")
    (created,) = stripe_api.calls_to("POST", "/v1/checkout/sessions")
    assert created.params["mode"] == "subscription"
    assert created.params["line_items[0][price]"] == "price_team_year"
    assert created.params["line_items[0][quantity]"] == "3"
    assert created.params["success_url"].startswith("http://gamma.localhost")
    tenant = Tenant.objects.get(schema_name="gamma")
    assert created.params["client_reference_id"] == str(tenant.pk)
    subscription = Subscription.objects.get(tenant=tenant)
    # Provisioned at once; usable for the trial period while the payment is pending.
    assert subscription.status == Subscription.Status.INCOMPLETE
    assert subscription.plan.code == "team"
    assert not subscription.is_read_only

    customer = subscription.stripe_customer_id
    stripe_sub = stripe_api.subscription(customer=customer, price="price_team_year", quantity=3)
    session = {
        "id": created.params.get("id", "cs_x"),
        "object": "checkout.session",
        "mode": "subscription",
        "customer": customer,
        "subscription": stripe_sub["id"],
        "client_reference_id": str(tenant.pk),
    }
    assert deliver(event("checkout.session.completed", session)).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.seats == 3
    assert subscription.interval == "year"
    assert subscription.stripe_subscription_id == stripe_sub["id"]
    assert subscription.current_period_end is not None

    # Stripe retries, then gives up: canceled. The company keeps its data, read-only.
    stripe_sub["status"] = "canceled"
    deliver(event("customer.subscription.deleted", stripe_sub))
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELED
    assert subscription.is_read_only
    assert Tenant.objects.filter(schema_name="gamma").exists()


def test_the_trial_expires_into_read_only(tenant_a, stripe_api):
    subscription = subscription_of(tenant_a)
    subscription.trial_ends_at = timezone.now() - timedelta(minutes=1)
    subscription.save()
    assert subscription.trial_expired
    assert subscription.is_read_only
    subscription.trial_ends_at = timezone.now() + timedelta(days=3)
    subscription.save()
    assert not subscription.is_read_only
    page = tenant_a.client(tenant_a.owner()).get("/").content.decode()
    assert 'data-state="trial"' in page


def test_past_due_is_a_grace_period_then_read_only(tenant_a, settings):
    subscription = subscription_of(tenant_a)
    subscription.status = Subscription.Status.PAST_DUE
    subscription.past_due_since = timezone.now() - timedelta(days=2)
    subscription.save()
    owner_page = tenant_a.client(tenant_a.owner()).get("/").content.decode()
    assert 'data-state="past-due"' in owner_page
    assert not subscription.is_read_only
    subscription.past_due_since = timezone.now() - timedelta(days=settings.BILLING_GRACE_DAYS + 1)
    subscription.save()
    assert subscription.is_read_only
