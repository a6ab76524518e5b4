"""Company subscriptions: the plan at signup, Stripe Checkout and billing portal, seats, and the
state Stripe reports (applied newest-first, whatever order the events arrive in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.models import Plan, Subscription
from billing.stripe_api import billing_enabled, stripe_client
from tenants.models import Tenant
from tenants.typing import connection

# Stripe's subscription statuses, as this platform reads them.
STRIPE_STATUSES = {
    "trialing": Subscription.Status.TRIALING,
    "incomplete": Subscription.Status.INCOMPLETE,
    "active": Subscription.Status.ACTIVE,
    "past_due": Subscription.Status.PAST_DUE,
    "unpaid": Subscription.Status.UNPAID,
    "paused": Subscription.Status.UNPAID,
    "canceled": Subscription.Status.CANCELED,
    "incomplete_expired": Subscription.Status.CANCELED,
}


class SeatLimitReached(ValidationError):
    """Every seat the company pays for (or its plan allows) is taken."""


def trial_plan() -> Plan:
    plan = Plan.objects.filter(is_trial=True).order_by("position").first()
    if plan is None:
        raise ImproperlyConfigured("No trial plan: the billing migrations create the plans.")
    return plan


def public_plans() -> list[Plan]:
    return list(Plan.objects.filter(is_public=True))


def plan_for_signup(code: str) -> Plan:
    """The plan a signup asked for: the trial unless a paid one can really be paid for."""
    plan = Plan.objects.filter(code=code, is_public=True).first() if code else None
    if plan is None or plan.is_trial or not billing_enabled():
        return trial_plan()
    return plan


def subscription_create(*, tenant: Tenant, plan: Plan, interval: str = "month") -> Subscription:
    """A new company's subscription: a trial (without expiry while billing is off), or a paid
    plan awaiting its first payment, usable for the trial period in the meantime."""
    ends = timezone.now() + timedelta(days=settings.TRIAL_DAYS) if billing_enabled() else None
    return Subscription.objects.create(
        tenant=tenant,
        plan=plan,
        interval=interval,
        status=Subscription.Status.TRIALING if plan.is_trial else Subscription.Status.INCOMPLETE,
        trial_ends_at=ends,
    )


def subscription_for(tenant: Tenant) -> Subscription:
    """The company's subscription; a company older than billing gets an open-ended trial."""
    subscription, _ = Subscription.objects.select_related("plan").get_or_create(
        tenant=tenant,
        defaults={"plan": trial_plan},  # type: ignore[misc]  # called only to create
    )
    return subscription


def current_subscription() -> Subscription:
    """The subscription of the company whose schema is active (also under django-tenants'
    `schema_context`, which activates a stand-in holding only the schema name)."""
    tenant = connection.tenant
    if not isinstance(tenant, Tenant):
        tenant = Tenant.objects.get(schema_name=connection.schema_name)
    return subscription_for(tenant)


# --- Stripe Checkout and billing portal ---------------------------------------------------------


def _stripe_customer(subscription: Subscription, *, email: str) -> str:
    if not subscription.stripe_customer_id:
        tenant = subscription.tenant
        customer = stripe_client().v1.customers.create(
            params={
                "email": email,
                "name": tenant.name,
                "metadata": {"tenant_id": str(tenant.pk), "schema": tenant.schema_name},
            }
        )
        subscription.stripe_customer_id = customer.id
        subscription.save(update_fields=["stripe_customer_id", "updated_at"])
    return subscription.stripe_customer_id


def checkout_url(
    *,
    subscription: Subscription,
    plan: Plan,
    interval: str,
    seats: int,
    email: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """A Stripe Checkout page (subscription mode) for `seats` seats of `plan`."""
    price = plan.stripe_price(interval)
    if plan.is_trial or not price:
        raise ValidationError({"plan": [_("This plan cannot be bought online.")]})
    if plan.max_seats and seats > plan.max_seats:
        raise ValidationError(
            {"seats": [_("This plan has at most %(count)s seats.") % {"count": plan.max_seats}]}
        )
    seats = max(seats, 1)
    tenant = subscription.tenant
    metadata = {"tenant_id": str(tenant.pk), "plan": plan.code}
    session = stripe_client().v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": _stripe_customer(subscription, email=email),
            "client_reference_id": str(tenant.pk),
            "line_items": [{"price": price, "quantity": seats}],
            "subscription_data": {"metadata": metadata},
            "metadata": metadata,
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
    )
    return session.url or cancel_url  # a hosted session always has one


def billing_portal_url(*, subscription: Subscription, return_url: str) -> str:
    if not subscription.stripe_customer_id:
        raise ValidationError(_("There is no paid subscription to manage yet."))
    session = stripe_client().v1.billing_portal.sessions.create(
        params={"customer": subscription.stripe_customer_id, "return_url": return_url}
    )
    return session.url


# --- Applying Stripe's state --------------------------------------------------------------------


def as_dict(obj: Any) -> dict:
    """A plain dict of a Stripe object (the library's objects are not dicts)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _timestamp(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


@dataclass(frozen=True)
class StripeSubscriptionState:
    """What this platform keeps of a Stripe subscription object."""

    subscription_id: str
    customer_id: str
    status: str
    price_id: str
    quantity: int
    current_period_end: datetime | None
    trial_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None

    @classmethod
    def of(cls, obj: Any) -> StripeSubscriptionState:
        obj = as_dict(obj)
        items = (obj.get("items") or {}).get("data") or [{}]
        item = items[0]
        # Since API 2025-03-31 the billing period is on the items, before it on the subscription.
        period_end = item.get("current_period_end") or obj.get("current_period_end")
        return cls(
            subscription_id=obj["id"],
            customer_id=obj.get("customer") or "",
            status=obj.get("status") or "",
            price_id=(item.get("price") or {}).get("id", ""),
            quantity=int(item.get("quantity") or 0),
            current_period_end=_timestamp(period_end),
            trial_end=_timestamp(obj.get("trial_end")),
            cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
            canceled_at=_timestamp(obj.get("canceled_at")),
        )


def subscription_find(
    *, subscription_id: str = "", customer_id: str = "", tenant_id: str = ""
) -> Subscription | None:
    query = Subscription.objects.select_related("plan", "tenant")
    if subscription_id:
        found = query.filter(stripe_subscription_id=subscription_id).first()
        if found:
            return found
    if customer_id:
        found = query.filter(stripe_customer_id=customer_id).first()
        if found:
            return found
    if tenant_id and str(tenant_id).isdigit():
        return query.filter(tenant_id=int(tenant_id)).first()
    return None


def _plan_for_price(price_id: str) -> tuple[Plan | None, str]:
    for plan in Plan.objects.exclude(stripe_price_month="", stripe_price_year=""):
        if price_id and price_id == plan.stripe_price_month:
            return plan, Subscription.Interval.MONTH
        if price_id and price_id == plan.stripe_price_year:
            return plan, Subscription.Interval.YEAR
    return None, ""


# A Stripe subscription in one of these states never leaves it (a new one is created instead).
TERMINAL_STATES = ("canceled", "incomplete_expired")


@transaction.atomic
def subscription_apply(
    *,
    subscription: Subscription,
    state: StripeSubscriptionState,
    as_of: datetime,
    event_sequence: int = 0,
) -> bool:
    """Take Stripe's state of the subscription as it was at `as_of`.

    A state older than the one already applied is ignored, so events handled in any order
    leave the newest state. Events carry whole seconds only: of two from the same second,
    the one received later (`event_sequence`, the stored event's id) wins, and a subscription
    Stripe has ended never comes back from an event about it. Returns whether anything was
    applied.
    """
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.stripe_state_at and (as_of, event_sequence) < (
        subscription.stripe_state_at,
        subscription.stripe_state_event,
    ):
        return False
    if (
        subscription.stripe_subscription_id == state.subscription_id
        and subscription.status == Subscription.Status.CANCELED
        and state.status not in TERMINAL_STATES
    ):
        return False
    status = STRIPE_STATUSES.get(state.status)
    if status is None:
        return False
    plan, interval = _plan_for_price(state.price_id)
    if plan is not None:
        subscription.plan = plan
        subscription.interval = interval
    if status == Subscription.Status.PAST_DUE:
        subscription.past_due_since = subscription.past_due_since or as_of
    else:
        subscription.past_due_since = None
    if status == Subscription.Status.TRIALING:
        subscription.trial_ends_at = state.trial_end
    elif status != Subscription.Status.INCOMPLETE:
        subscription.trial_ends_at = None
    subscription.status = status
    subscription.seats = state.quantity
    subscription.current_period_end = state.current_period_end
    subscription.cancel_at_period_end = state.cancel_at_period_end
    subscription.canceled_at = state.canceled_at
    subscription.stripe_subscription_id = state.subscription_id
    subscription.stripe_customer_id = state.customer_id or subscription.stripe_customer_id
    subscription.stripe_state_at = as_of
    subscription.stripe_state_event = event_sequence
    subscription.save()
    return True


def subscription_refresh(subscription: Subscription, *, subscription_id: str = "") -> bool:
    """Read the subscription's current state from Stripe and apply it."""
    subscription_id = subscription_id or subscription.stripe_subscription_id
    if not subscription_id:
        return False
    obj = stripe_client().v1.subscriptions.retrieve(subscription_id)
    return subscription_apply(
        subscription=subscription,
        state=StripeSubscriptionState.of(obj),
        as_of=timezone.now(),
    )


# --- Seats --------------------------------------------------------------------------------------


def seat_limit(subscription: Subscription) -> int | None:
    """How many active staff members the company may have; None: no limit."""
    plan_limit = subscription.plan.max_seats
    if subscription.status in (Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE) and (
        subscription.stripe_subscription_id
    ):
        paid = subscription.seats
        return min(paid, plan_limit) if plan_limit else paid
    return plan_limit


def seat_check(*, used: Callable[[], int], adding: int = 1) -> None:
    """Refuse one more staff member beyond the seats paid for (or the plan's limit);
    `used()` counts the seats taken (asked only when there is a limit)."""
    subscription = current_subscription()
    limit = seat_limit(subscription)
    if limit is None:
        return
    taken = used()
    if taken + adding <= limit:
        return
    can_add = subscription.stripe_subscription_id and (
        not subscription.plan.max_seats or limit < subscription.plan.max_seats
    )
    message = ngettext(
        "Your plan has %(limit)s seat and it is taken.",
        "Your plan has %(limit)s seats and all of them are taken.",
        limit,
    ) % {"limit": limit}
    if can_add:
        message += " " + _("Add seats on the billing page, or deactivate a member first.")
    else:
        message += " " + _("Upgrade the plan on the billing page, or deactivate a member first.")
    raise SeatLimitReached(message, code="seat_limit")


def seats_set(*, subscription: Subscription, seats: int, used: int) -> Subscription:
    """Change the number of paid seats (`used` of them are taken); Stripe prorates the
    difference on the next invoice."""
    if not subscription.stripe_subscription_id:
        raise ValidationError({"seats": [_("There is no paid subscription to change yet.")]})
    if seats < used:
        raise ValidationError(
            {
                "seats": [
                    _("%(used)s members are active: deactivate some before going below that.")
                    % {"used": used}
                ]
            }
        )
    limit = subscription.plan.max_seats
    if limit and seats > limit:
        raise ValidationError(
            {"seats": [_("This plan has at most %(count)s seats.") % {"count": limit}]}
        )
    client = stripe_client()
    current = client.v1.subscriptions.retrieve(subscription.stripe_subscription_id)
    item_id = current["items"]["data"][0]["id"]
    updated = client.v1.subscriptions.update(
        subscription.stripe_subscription_id,
        params={
            "items": [{"id": item_id, "quantity": seats}],
            "proration_behavior": "create_prorations",
        },
    )
    subscription_apply(
        subscription=subscription,
        state=StripeSubscriptionState.of(updated),
        as_of=timezone.now(),
    )
    subscription.refresh_from_db()
    return subscription
