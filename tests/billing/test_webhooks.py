"""The Stripe webhook endpoint: signature on the raw body, storage by event id, idempotent and
order-independent handling. Payloads are signed with Stripe's own scheme (stripe_server.sign);
Stripe's API, where the handling reads it, is the local Stripe-format server. The production
code path is the same."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from billing.models import Invoice, StripeEvent, Subscription
from billing.services.webhooks import event_process
from tests.billing.stripe_fixtures import deliver, subscription_of
from tests.billing.stripe_server import event, sign

pytestmark = pytest.mark.django_db


def _subscription_object(customer: str, status: str, *, quantity: int = 2) -> dict:
    now = int(time.time())
    return {
        "id": "sub_fixed",
        "object": "subscription",
        "customer": customer,
        "status": status,
        "metadata": {},
        "items": {
            "data": [
                {
                    "id": "si_1",
                    "price": {"id": "price_team_month"},
                    "quantity": quantity,
                    "current_period_end": now + 86400,
                }
            ]
        },
    }


@pytest.fixture
def alpha_customer(tenant_a) -> Subscription:
    subscription = subscription_of(tenant_a)
    subscription.stripe_customer_id = "cus_alpha"
    subscription.save()
    return subscription


def test_unsigned_badly_signed_and_expired_events_are_refused_and_not_stored(webhook_secret):
    body = event("customer.subscription.updated", {"id": "sub_x"})
    payload = json.dumps(body).encode()
    assert deliver(body, signature=None).status_code == 400
    assert deliver(body, signature=sign(payload, secret="whsec_wrong")).status_code == 400
    stale = sign(payload, timestamp=int(time.time()) - 3600)
    assert deliver(body, signature=stale).status_code == 400
    assert deliver(body, signature="t=1,v1=garbage").status_code == 400
    tampered = sign(payload)
    body["type"] = "invoice.paid"
    assert deliver(body, signature=tampered).status_code == 400
    assert not StripeEvent.objects.exists()


def test_without_a_webhook_secret_nothing_is_accepted(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert deliver(event("invoice.paid", {"id": "in_x"})).status_code == 400


def test_an_unknown_event_type_is_acknowledged_and_ignored(webhook_secret):
    response = deliver(event("radar.early_fraud_warning.created", {"id": "issfr_1"}))
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.processed_at is not None
    assert stored.error == ""


def test_a_replayed_event_is_stored_and_handled_once(webhook_secret, alpha_customer, paid_plan):
    """The same invoice.payment_failed delivered three times: one row, one reminder mail."""
    invoice = {
        "id": "in_fail",
        "object": "invoice",
        "customer": "cus_alpha",
        "status": "open",
        "currency": "eur",
        "amount_due": 5000,
        "amount_paid": 0,
        "created": int(time.time()),
        "hosted_invoice_url": "https://invoice.stripe.com/i/in_fail",
    }
    body = event("invoice.payment_failed", invoice)
    for _ in range(3):
        assert deliver(body).status_code == 200
    assert StripeEvent.objects.filter(event_id=body["id"]).count() == 1
    assert Invoice.objects.get(stripe_invoice_id="in_fail").amount_due == 50
    assert len(mail.outbox) == 1
    assert "https://invoice.stripe.com/i/in_fail" in mail.outbox[0].body
    assert mail.outbox[0].to == ["owner@alpha.test"]


def test_events_out_of_order_leave_the_newest_state(webhook_secret, alpha_customer, paid_plan):
    """With billing off the event's own snapshot is applied only when it is newer."""
    now = int(time.time())
    newer = event(
        "customer.subscription.updated",
        _subscription_object("cus_alpha", "past_due"),
        created=now,
    )
    older = event(
        "customer.subscription.created",
        _subscription_object("cus_alpha", "active", quantity=1),
        created=now - 120,
    )
    deliver(newer)
    deliver(older)
    subscription = Subscription.objects.get(pk=alpha_customer.pk)
    assert subscription.status == Subscription.Status.PAST_DUE
    assert subscription.seats == 2
    assert subscription.plan.code == "team"


@pytest.mark.parametrize("handled_first", ["deleted", "updated"])
def test_events_of_the_same_second_leave_a_cancelled_subscription_cancelled(
    webhook_secret, alpha_customer, paid_plan, handled_first
):
    """Stripe's events carry whole seconds: an update and the cancellation of one second,
    received and handled in either order, end cancelled (a cancelled Stripe subscription
    never comes back)."""
    now = int(time.time())
    updated = event(
        "customer.subscription.updated", _subscription_object("cus_alpha", "active"), created=now
    )
    deleted = event(
        "customer.subscription.deleted",
        _subscription_object("cus_alpha", "canceled"),
        created=now,
    )
    first, second = (deleted, updated) if handled_first == "deleted" else (updated, deleted)
    deliver(first)
    deliver(second)
    assert Subscription.objects.get(pk=alpha_customer.pk).status == Subscription.Status.CANCELED


def test_of_two_events_of_one_second_the_later_received_wins(
    webhook_secret, alpha_customer, paid_plan
):
    now = int(time.time())
    received = [
        event(
            "customer.subscription.updated", _subscription_object("cus_alpha", status), created=now
        )
        for status in ("past_due", "active")
    ]
    for body in received:
        deliver(body)
    # a redelivery of the earlier one, handled last, changes nothing
    StripeEvent.objects.filter(event_id=received[0]["id"]).update(processed_at=None)
    event_process(StripeEvent.objects.get(event_id=received[0]["id"]).pk)
    assert Subscription.objects.get(pk=alpha_customer.pk).status == Subscription.Status.ACTIVE


def test_with_billing_on_the_state_is_read_again_from_stripe(stripe_api, alpha_customer, paid_plan):
    """An old event names the subscription; what is applied is Stripe's current state."""
    current = stripe_api.subscription(customer="cus_alpha", price="price_team_month", quantity=4)
    stale = dict(current, status="incomplete")
    deliver(event("customer.subscription.created", stale, created=int(time.time()) - 600))
    subscription = Subscription.objects.get(pk=alpha_customer.pk)
    assert subscription.status == Subscription.Status.ACTIVE
    assert subscription.seats == 4


def test_a_newer_invoice_state_is_never_undone(webhook_secret, alpha_customer):
    base = {
        "id": "in_1",
        "object": "invoice",
        "customer": "cus_alpha",
        "currency": "eur",
        "amount_due": 2500,
        "created": int(time.time()),
    }
    deliver(event("invoice.paid", dict(base, status="paid", amount_paid=2500)))
    deliver(event("invoice.finalized", dict(base, status="open", amount_paid=0)))
    assert Invoice.objects.get(stripe_invoice_id="in_1").status == "paid"


def test_an_event_arriving_while_the_database_is_down_gets_5xx_and_is_kept_later(
    webhook_secret, alpha_customer
):
    """Stripe retries a 5xx: the event the database could not take comes again and is stored."""
    body = event("customer.subscription.updated", _subscription_object("cus_alpha", "past_due"))
    answers = []

    def delivery_while_down() -> None:
        # This thread's own connection points at a server that is not there.
        connection.settings_dict = dict(
            connection.settings_dict, HOST="/nonexistent-socket-dir", PORT="1"
        )
        try:
            client = Client(HTTP_HOST="localhost", raise_request_exception=False)
            answers.append(deliver(body, client=client))
        finally:
            connection.close()

    thread = threading.Thread(target=delivery_while_down)
    thread.start()
    thread.join()
    (response,) = answers
    assert response.status_code >= 500
    # Stripe's retry
    assert deliver(body).status_code == 200
    assert StripeEvent.objects.get(event_id=body["id"]).processed_at is not None
    assert Subscription.objects.get(pk=alpha_customer.pk).status == Subscription.Status.PAST_DUE


def test_the_webhook_answers_only_on_the_platforms_own_host(webhook_secret, tenant_a):
    """A company's host has no such route: the visitor is sent to sign in, nothing is kept."""
    response = deliver(event("invoice.paid", {"id": "in_t"}), client=tenant_a.client())
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert not StripeEvent.objects.exists()
