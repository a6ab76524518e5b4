"""The one place that builds a Stripe client (the `stripe` library's StripeClient)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from stripe import StripeClient


def billing_enabled() -> bool:
    """Billing is on when the platform has a Stripe secret key; "billing off" otherwise."""
    return bool(settings.STRIPE_SECRET_KEY)


def stripe_client() -> StripeClient:
    if not billing_enabled():
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set: billing is off")
    addresses = {}
    if settings.STRIPE_API_BASE:
        addresses["api"] = settings.STRIPE_API_BASE
    if settings.STRIPE_CONNECT_BASE:
        addresses["connect"] = settings.STRIPE_CONNECT_BASE
    return StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=addresses or None,  # type: ignore[arg-type]  # Stripe's TypedDict
        max_network_retries=2,
    )
