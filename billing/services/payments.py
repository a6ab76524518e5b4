"""Portal card payments: Stripe Checkout on the company's own (Connect) account.

The company's Stripe account id is kept in the public schema (ConnectedAccount), so a Connect
event, which names its account, is mapped to the company and handled inside its schema.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import tenant_context

from billing.models import ConnectedAccount, StripeEvent
from billing.services.subscriptions import as_dict, subscription_for
from billing.stripe_api import billing_enabled, stripe_client
from crm_core.activities.services import interaction_log
from crm_core.commerce.models import Order, Payment
from crm_core.commerce.selectors import can_refund
from crm_core.commerce.services import order_status_change
from crm_core.common.system_text import SystemText
from tenants.identity.models import User
from tenants.models import Tenant
from tenants.typing import connection

logger = logging.getLogger(__name__)

# Currencies Stripe counts in whole units (https://docs.stripe.com/currencies#zero-decimal).
ZERO_DECIMAL = {
    "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
}  # fmt: skip


def to_minor(amount: Decimal, currency: str) -> int:
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    return int((amount * factor).quantize(Decimal(1)))


def from_minor(amount: int, currency: str) -> Decimal:
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    return (Decimal(amount) / factor).quantize(Decimal("0.01"))


# --- The company's Stripe account ---------------------------------------------------------------


def connected_account(tenant: Tenant) -> ConnectedAccount | None:
    return ConnectedAccount.objects.filter(tenant=tenant).first()


def card_payments_allowed(tenant: Tenant) -> bool:
    """The company's plan includes card payments and billing is on."""
    return billing_enabled() and subscription_for(tenant).plan.feature_portal_payments


def card_payments_ready(tenant: Tenant) -> bool:
    account = connected_account(tenant)
    return card_payments_allowed(tenant) and account is not None and account.charges_enabled


def connect_onboarding_url(*, actor: User, tenant: Tenant, refresh_url: str, return_url: str):
    """Stripe's onboarding page for the company's own account (created on first use)."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators connect a Stripe account."))
    if not card_payments_allowed(tenant):
        raise ValidationError(_("Card payments are not part of your plan."))
    client = stripe_client()
    account = connected_account(tenant)
    if account is None:
        created = client.v1.accounts.create(
            params={
                "type": "express",
                "business_profile": {"name": tenant.name},
                "metadata": {"tenant_id": str(tenant.pk), "schema": tenant.schema_name},
            }
        )
        account = ConnectedAccount.objects.create(tenant=tenant, account_id=created.id)
    link = client.v1.account_links.create(
        params={
            "account": account.account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.url


def connect_refresh(tenant: Tenant) -> ConnectedAccount | None:
    """Read the account's state from Stripe (on the return from onboarding)."""
    account = connected_account(tenant)
    if account is None:
        return None
    remote = stripe_client().v1.accounts.retrieve(account.account_id)
    account.charges_enabled = bool(remote.charges_enabled)
    account.details_submitted = bool(remote.details_submitted)
    account.save(update_fields=["charges_enabled", "details_submitted", "updated_at"])
    return account


# --- Paying an order ----------------------------------------------------------------------------


def _line_items(order: Order) -> list[dict]:
    items = []
    for line in order.lines.select_related("product"):
        whole = line.quantity == line.quantity.to_integral_value()
        name = line.product.name if whole else f"{line.product.name} × {line.quantity.normalize()}"
        items.append(
            {
                "quantity": int(line.quantity) if whole else 1,
                "price_data": {
                    "currency": order.currency.lower(),
                    "unit_amount": to_minor(
                        line.unit_price if whole else line.total, order.currency
                    ),
                    "product_data": {"name": name},
                },
            }
        )
    return items


def order_payment_start(*, order: Order, success_url: str, cancel_url: str) -> Payment:
    """A Checkout Session (payment mode) on the company's account for the order's total."""
    tenant = connection.tenant
    account = connected_account(tenant)
    if not card_payments_ready(tenant) or account is None:
        raise ValidationError(_("Card payments are not available here."))
    if order.status != Order.Status.PLACED:
        raise ValidationError(_("Only a placed, unpaid order can be paid."))
    existing = order.payments.filter(status=Payment.Status.PENDING).first()
    if existing is not None and existing.checkout_url:
        return existing
    metadata = {"order_id": str(order.pk), "schema": tenant.schema_name}
    params = {
        "mode": "payment",
        "line_items": _line_items(order),
        "client_reference_id": order.number,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if order.contact.emails:
        params["customer_email"] = order.contact.emails[0]
    session = stripe_client().v1.checkout.sessions.create(
        params=params,  # type: ignore[arg-type]  # Stripe's TypedDict, built as a dict
        options={"stripe_account": account.account_id},
    )
    return Payment.objects.create(
        order=order,
        amount=order.total,
        currency=order.currency,
        checkout_session_id=session.id,
        checkout_url=session.url or "",
    )


def _tenant_of_account(account_id: str) -> Tenant | None:
    account = ConnectedAccount.objects.select_related("tenant").filter(account_id=account_id)
    found = account.first()
    return found.tenant if found else None


def _refund_subject(payment: Payment) -> SystemText:
    return SystemText(gettext_noop("Refund for order %(number)s"), {"number": payment.order.number})


def _log_payment(*, payment: Payment, subject: SystemText, amount: Decimal) -> None:
    interaction_log(
        actor=None,
        contact=payment.order.contact,
        data={
            "channel": "order",
            "direction": "inbound",
            "subject": subject,
            "notes": f"{amount} {payment.currency} · {payment.payment_intent_id}",
        },
    )


def portal_checkout_completed(*, event: StripeEvent, session: dict) -> None:
    """checkout.session.completed on a company's account: the order is paid."""
    tenant = _tenant_of_account(event.account)
    if tenant is None:
        logger.warning("Connect event %s names an unknown account", event.event_id)
        return
    with tenant_context(tenant), transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("order__contact")
            .filter(checkout_session_id=session.get("id", ""))
            .first()
        )
        if payment is None or payment.status != Payment.Status.PENDING:
            return
        if session.get("payment_status") not in ("paid", "no_payment_required"):
            return
        payment.status = Payment.Status.PAID
        payment.paid_at = timezone.now()
        payment.payment_intent_id = session.get("payment_intent") or ""
        payment.save(update_fields=["status", "paid_at", "payment_intent_id"])
        order = payment.order
        if order.status == Order.Status.PLACED:
            order_status_change(actor=None, order=order, status=Order.Status.PAID)
        _log_payment(
            payment=payment,
            subject=SystemText(
                gettext_noop("Card payment received for order %(number)s"),
                {"number": order.number},
            ),
            amount=payment.amount,
        )


def portal_checkout_expired(*, event: StripeEvent, session: dict) -> None:
    tenant = _tenant_of_account(event.account)
    if tenant is None:
        return
    with tenant_context(tenant):
        Payment.objects.filter(
            checkout_session_id=session.get("id", ""), status=Payment.Status.PENDING
        ).update(status=Payment.Status.EXPIRED)


def _refunded(payment: Payment, total: Decimal) -> None:
    payment.refunded = min(total, payment.amount)
    payment.status = (
        Payment.Status.REFUNDED
        if payment.refunded >= payment.amount
        else Payment.Status.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["refunded", "status"])


@transaction.atomic
def payment_refund(*, actor: User, payment: Payment, amount: Decimal) -> Payment:
    """Give money back to the customer through Stripe, on the company's account."""
    if not can_refund(actor):
        raise PermissionDenied(_("Only the owner, administrators and heads of sales refund."))
    payment = (
        Payment.objects.select_for_update().select_related("order__contact").get(pk=payment.pk)
    )
    if not payment.is_received:
        raise ValidationError({"amount": [_("Only a received payment can be refunded.")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("Enter an amount above zero.")]})
    if amount > payment.refundable:
        raise ValidationError(
            {
                "amount": [
                    _("At most %(amount)s %(currency)s can still be refunded.")
                    % {"amount": payment.refundable, "currency": payment.currency}
                ]
            }
        )
    account = connected_account(connection.tenant)
    if account is None:
        raise ValidationError(_("No Stripe account is connected."))
    stripe_client().v1.refunds.create(
        params={
            "payment_intent": payment.payment_intent_id,
            "amount": to_minor(amount, payment.currency),
            "metadata": {"order_id": str(payment.order_id)},
        },
        options={"stripe_account": account.account_id},
    )
    _refunded(payment, payment.refunded + amount)
    _log_payment(
        payment=payment,
        subject=_refund_subject(payment),
        amount=amount,
    )
    return payment


def portal_charge_refunded(*, event: StripeEvent, charge: dict) -> None:
    """charge.refunded on a company's account (a refund made here or in Stripe's dashboard)."""
    tenant = _tenant_of_account(event.account)
    if tenant is None:
        return
    charge = as_dict(charge)
    with tenant_context(tenant), transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("order__contact")
            .filter(payment_intent_id=charge.get("payment_intent") or "-")
            .first()
        )
        if payment is None:
            return
        total = from_minor(int(charge.get("amount_refunded") or 0), payment.currency)
        if total <= payment.refunded:
            return
        added = total - payment.refunded
        _refunded(payment, total)
        _log_payment(
            payment=payment,
            subject=_refund_subject(payment),
            amount=added,
        )
