"""Reminders to a company whose subscription payment failed."""

from __future__ import annotations

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tenants.utils import tenant_context

from billing.models import Subscription
from tenants.identity.models import User
from tenants.identity.roles import TEAM_MANAGERS
from tenants.links import tenant_url


def payment_failed_notify(*, subscription: Subscription, invoice: dict) -> int:
    """Mail the owner and administrators: the payment failed, how long they have, where to pay.

    Called once per `invoice.payment_failed` event: Stripe's retries each send one, so the
    reminders follow Stripe's retry schedule."""
    tenant = subscription.tenant
    sent = 0
    with tenant_context(tenant):
        billing_link = tenant_url("/settings/billing/")
        recipients = User.objects.filter(is_active=True, role__in=TEAM_MANAGERS)
        for user in recipients:
            with translation.override(user.language or None):
                context = {
                    "user": user,
                    "company": tenant.name,
                    "subscription": subscription,
                    "pay_url": invoice.get("hosted_invoice_url") or billing_link,
                    "billing_url": billing_link,
                }
                subject = render_to_string("billing/email/payment_failed_subject.txt", context)
                body = render_to_string("billing/email/payment_failed.txt", context)
            send_mail(" ".join(subject.split()), body, None, [user.email])
            sent += 1
    return sent
