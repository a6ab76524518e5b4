"""Stripe webhooks: verify, store by event id, then handle in a worker.

Handling is idempotent (an event is handled once, however often it arrives) and
order-independent: the subscription's state is read again from Stripe (or, with billing off,
taken from the event only when it is newer than the state already applied).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from stripe import SignatureVerificationError, WebhookSignature

from billing.models import ConnectedAccount, Invoice, StripeEvent, Subscription
from billing.services.dunning import payment_failed_notify
from billing.services.payments import (
    from_minor,
    portal_charge_refunded,
    portal_checkout_completed,
    portal_checkout_expired,
)
from billing.services.subscriptions import (
    StripeSubscriptionState,
    as_dict,
    subscription_apply,
    subscription_find,
    subscription_refresh,
)
from billing.stripe_api import billing_enabled, stripe_client
from tenants.queue import enqueue_after_commit

logger = logging.getLogger(__name__)

# An event failing this often waits for an operator (it stays stored, with its error).
MAX_ATTEMPTS = 8


class WebhookRejected(Exception):
    """The request is not a genuine Stripe event (400, Stripe does not retry it)."""


def event_receive(*, payload: bytes, signature: str | None) -> StripeEvent:
    """Verify the signature on the raw body and store the event (once, by its id)."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise WebhookRejected("webhooks are not configured (STRIPE_WEBHOOK_SECRET)")
    if not signature:
        raise WebhookRejected("missing Stripe-Signature header")
    try:
        WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, secret, settings.STRIPE_WEBHOOK_TOLERANCE
        )
        data = json.loads(payload)
    except (SignatureVerificationError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise WebhookRejected(str(error) or "invalid payload") from error
    if not isinstance(data, dict) or not data.get("id") or not data.get("type"):
        raise WebhookRejected("not an event object")
    created = data.get("created")
    if not isinstance(created, int) or isinstance(created, bool) or not 0 <= created < 2**33:
        raise WebhookRejected("the event's created is not a Unix time")
    event_id = str(data["id"])
    # One statement stores a new event; a replay of a stored one inserts nothing.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {StripeEvent._meta.db_table}
                    (event_id, type, account, payload, created, received_at, attempts, error)
                VALUES (%s, %s, %s, %s, %s, now(), 0, '')
                ON CONFLICT (event_id) DO NOTHING RETURNING id""",  # noqa: S608
            [
                event_id,
                str(data["type"])[:100],
                str(data.get("account") or "")[:100],
                json.dumps(data),
                datetime.fromtimestamp(created, tz=UTC),
            ],
        )
        row = cursor.fetchone()
    if row is not None:
        event = StripeEvent(pk=row[0], event_id=event_id, type=str(data["type"]))
    else:
        event = StripeEvent.objects.only("pk", "event_id", "processed_at").get(event_id=event_id)
        if event.processed_at is not None:
            return event
    # The row is committed (autocommit) before the worker is told of it.
    enqueue_after_commit("billing.tasks.stripe_event_process", event.pk)
    return event


def event_process(event_pk: int) -> None:
    """Handle a stored event once; a failure is recorded and retried later."""
    with transaction.atomic():
        event = StripeEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None or event.processed_at is not None:
            return
        handler = HANDLERS.get(event.type)
        try:
            with transaction.atomic():
                if handler is not None:
                    handler(event)
        except Exception as error:
            logger.exception("Stripe event %s (%s) failed", event.event_id, event.type)
            StripeEvent.objects.filter(pk=event.pk).update(
                attempts=F("attempts") + 1, error=f"{type(error).__name__}: {error}"[:2000]
            )
            return
        event.processed_at = timezone.now()
        event.attempts += 1
        event.error = ""
        event.save(update_fields=["processed_at", "attempts", "error"])


def events_pending() -> list[int]:
    """Stored events not handled yet (the broker was away, or handling failed)."""
    return list(
        StripeEvent.objects.filter(
            processed_at=None,
            attempts__lt=MAX_ATTEMPTS,
            received_at__lt=timezone.now() - timedelta(seconds=60),
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )


# --- Handlers -----------------------------------------------------------------------------------


def _object(event: StripeEvent) -> dict:
    return event.payload.get("data", {}).get("object", {}) or {}


def _sync(subscription: Subscription, obj: dict, event: StripeEvent) -> None:
    """Apply the subscription's newest state: read from Stripe when billing is on, else the
    event's own snapshot when it is newer than what was applied."""
    if billing_enabled():
        subscription_refresh(subscription, subscription_id=obj["id"])
    else:
        subscription_apply(
            subscription=subscription,
            state=StripeSubscriptionState.of(obj),
            as_of=event.created,
            event_sequence=event.pk,
        )


def _subscription_event(event: StripeEvent) -> None:
    obj = _object(event)
    subscription = subscription_find(
        subscription_id=obj.get("id", ""),
        customer_id=obj.get("customer", ""),
        tenant_id=(obj.get("metadata") or {}).get("tenant_id", ""),
    )
    if subscription is None:
        logger.warning("Stripe subscription %s matches no company", obj.get("id"))
        return
    _sync(subscription, obj, event)


def _checkout_completed(event: StripeEvent) -> None:
    obj = _object(event)
    if event.account or obj.get("mode") == "payment":
        portal_checkout_completed(event=event, session=obj)
        return
    if obj.get("mode") != "subscription" or not obj.get("subscription"):
        return
    subscription = subscription_find(
        customer_id=obj.get("customer") or "",
        tenant_id=obj.get("client_reference_id") or "",
    )
    if subscription is None:
        logger.warning("Checkout session %s matches no company", obj.get("id"))
        return
    Subscription.objects.filter(pk=subscription.pk).update(
        stripe_customer_id=obj.get("customer") or subscription.stripe_customer_id,
        stripe_subscription_id=obj["subscription"],
    )
    subscription.refresh_from_db()
    if billing_enabled():
        subscription_refresh(subscription, subscription_id=obj["subscription"])


def _checkout_expired(event: StripeEvent) -> None:
    if event.account:
        portal_checkout_expired(event=event, session=_object(event))


def _invoice_subscription_id(invoice: dict) -> str:
    # Since API 2025-03-31 an invoice names its subscription under parent.subscription_details.
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    subscription = details.get("subscription") or invoice.get("subscription") or ""
    return subscription if isinstance(subscription, str) else subscription.get("id", "")


# An invoice moves draft -> open -> paid | void | uncollectible; an older state never wins.
INVOICE_ORDER = {"draft": 0, "open": 1, "uncollectible": 2, "paid": 3, "void": 3}


def _invoice_event(event: StripeEvent) -> None:
    invoice = _object(event)
    if billing_enabled() and invoice.get("id"):
        invoice = as_dict(stripe_client().v1.invoices.retrieve(invoice["id"]))
    subscription_id = _invoice_subscription_id(invoice)
    subscription = subscription_find(
        subscription_id=subscription_id, customer_id=invoice.get("customer") or ""
    )
    if subscription is None:
        logger.warning("Stripe invoice %s matches no company", invoice.get("id"))
        return
    currency = (invoice.get("currency") or "eur").upper()
    status = invoice.get("status") or "open"
    stored = Invoice.objects.filter(stripe_invoice_id=invoice["id"]).first()
    if stored is None or INVOICE_ORDER.get(status, 0) >= INVOICE_ORDER.get(stored.status, 0):
        Invoice.objects.update_or_create(
            stripe_invoice_id=invoice["id"],
            defaults={
                "tenant_id": subscription.tenant_id,
                "number": invoice.get("number") or "",
                "status": status,
                "currency": currency,
                "amount_due": from_minor(invoice.get("amount_due") or 0, currency),
                "amount_paid": from_minor(invoice.get("amount_paid") or 0, currency),
                "hosted_invoice_url": invoice.get("hosted_invoice_url") or "",
                "invoice_pdf": invoice.get("invoice_pdf") or "",
                "created": datetime.fromtimestamp(int(invoice.get("created") or 0), tz=UTC),
            },
        )
    if billing_enabled() and subscription_id:
        subscription_refresh(subscription, subscription_id=subscription_id)
    if event.type == "invoice.payment_failed":
        payment_failed_notify(subscription=subscription, invoice=invoice)


def _account_updated(event: StripeEvent) -> None:
    obj = _object(event)
    ConnectedAccount.objects.filter(account_id=obj.get("id", "")).update(
        charges_enabled=bool(obj.get("charges_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
        updated_at=timezone.now(),
    )


def _charge_refunded(event: StripeEvent) -> None:
    portal_charge_refunded(event=event, charge=_object(event))


HANDLERS: dict[str, Callable[[StripeEvent], None]] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.expired": _checkout_expired,
    "customer.subscription.created": _subscription_event,
    "customer.subscription.updated": _subscription_event,
    "customer.subscription.deleted": _subscription_event,
    "customer.subscription.paused": _subscription_event,
    "customer.subscription.resumed": _subscription_event,
    "invoice.paid": _invoice_event,
    "invoice.payment_failed": _invoice_event,
    "invoice.finalized": _invoice_event,
    "invoice.voided": _invoice_event,
    "account.updated": _account_updated,
    "charge.refunded": _charge_refunded,
}
