"""Billing tests run the real `stripe` library against the local Stripe-format server of
`stripe_server` (Stripe's API cannot be reached here); the production code path is the same."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client, TestCase

from billing.models import Plan, Subscription
from tests.billing.stripe_server import WEBHOOK_SECRET, FakeStripe, serve, sign
from tests.conftest import TenantHandle


@pytest.fixture
def stripe_api(settings) -> Iterator[FakeStripe]:
    """Billing on, against the local server."""
    state = FakeStripe()
    server = serve(state)
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_API_BASE = state.url
    settings.STRIPE_CONNECT_BASE = state.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def webhook_secret(settings) -> str:
    """Billing off (no secret key), webhooks still verified and stored."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return WEBHOOK_SECRET


def deliver(body: dict, *, signature: str | None = "sign", client: Client | None = None):
    """POST an event to the webhook endpoint as Stripe does."""
    payload = json.dumps(body).encode()
    headers = {}
    if signature == "sign":
        headers["HTTP_STRIPE_SIGNATURE"] = sign(payload)
    elif signature is not None:
        headers["HTTP_STRIPE_SIGNATURE"] = signature
    client = client or Client(HTTP_HOST="localhost")
    # The worker's task runs (eagerly) once the event's row is committed.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/billing/stripe/webhook/", payload, content_type="application/json", **headers
        )


def subscription_of(handle: TenantHandle) -> Subscription:
    return Subscription.objects.select_related("plan").get(tenant=handle.tenant)


@pytest.fixture
def paid_plan(db):
    """The Team plan with Stripe price ids, as the operator sets them in the admin."""

    plan = Plan.objects.get(code="team")
    plan.stripe_price_month = "price_team_month"
    plan.stripe_price_year = "price_team_year"
    plan.save()
    return plan
