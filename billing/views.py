"""Billing screens: the public pricing page and webhook, a company's billing settings, and the
refund of a portal payment from the CRM order page."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from stripe import StripeError

from billing.forms import CheckoutForm, RefundForm, SeatsForm
from billing.models import Invoice
from billing.services.payments import (
    card_payments_allowed,
    connect_onboarding_url,
    connect_refresh,
    connected_account,
    payment_refund,
)
from billing.services.subscriptions import (
    billing_portal_url,
    checkout_url,
    current_subscription,
    public_plans,
    seat_limit,
    seats_set,
    subscription_refresh,
)
from billing.services.webhooks import WebhookRejected, event_receive
from billing.stripe_api import billing_enabled, stripe_client
from config.forms import errors_into
from crm_core.commerce.models import Payment
from crm_core.commerce.selectors import order_get_for_user
from tenants.identity.services.users import seats_used
from tenants.identity.views.team import team_manager_required
from tenants.links import tenant_url
from tenants.typing import StaffRequest, connection

logger = logging.getLogger(__name__)

STRIPE_UNREACHABLE = _("Stripe cannot be reached right now; try again in a minute.")


# --- Public site --------------------------------------------------------------------------------


def pricing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/pricing.html",
        {
            "plans": public_plans(),
            "billing_enabled": billing_enabled(),
            "trial_days": settings.TRIAL_DAYS,
        },
    )


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify and store the event, answer at once; a worker handles it (billing.tasks).

    A database that cannot store the event answers 503, so Stripe delivers it again later."""
    try:
        event = event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookRejected as error:
        return JsonResponse({"error": str(error)}, status=400)
    except DatabaseError:
        logger.exception("Stripe webhook could not be stored")
        return JsonResponse({"error": "temporarily unavailable"}, status=503)
    return JsonResponse({"received": event.event_id})


# --- A company's billing settings ---------------------------------------------------------------


def _return_url(name: str, query: str = "") -> str:
    return tenant_url(reverse(name)) + query


@team_manager_required
def billing_settings(request: StaffRequest) -> HttpResponse:
    subscription = current_subscription()
    tenant = connection.tenant
    used = seats_used()
    return render(
        request,
        "billing/settings.html",
        {
            "subscription": subscription,
            "billing_enabled": billing_enabled(),
            "seats_used": used,
            "seat_limit": seat_limit(subscription),
            "checkout_form": CheckoutForm(
                initial={
                    "plan": subscription.plan.code if subscription.plan.is_paid else None,
                    "interval": subscription.interval,
                    "seats": max(used, 1),
                }
            ),
            "seats_form": SeatsForm(initial={"seats": subscription.seats or used}),
            "invoices": Invoice.objects.filter(tenant=tenant)[:24],
            "card_payments_allowed": card_payments_allowed(tenant),
            "connected_account": connected_account(tenant),
        },
    )


def _errors_to_messages(request: StaffRequest, form) -> None:
    """The forms here sit on the billing or order page they redirect back to."""
    for field_errors in form.errors.values():
        for message in field_errors:
            messages.error(request, message)


def _stripe_redirect(request: StaffRequest, make_url) -> HttpResponse:
    try:
        return HttpResponseRedirect(make_url())
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except StripeError:
        logger.exception("Stripe call failed")
        messages.error(request, STRIPE_UNREACHABLE)
    return redirect("billing_settings")


@team_manager_required
@require_POST
def billing_checkout(request: StaffRequest) -> HttpResponse:
    if not billing_enabled():
        messages.error(request, _("Billing is off on this platform."))
        return redirect("billing_settings")
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        _errors_to_messages(request, form)
        return redirect("billing_settings")
    data = form.cleaned_data
    return _stripe_redirect(
        request,
        lambda: checkout_url(
            subscription=current_subscription(),
            plan=data["plan"],
            interval=data["interval"],
            seats=max(data["seats"], seats_used()),
            email=request.user.email,
            success_url=_return_url("billing_done", "?session_id={CHECKOUT_SESSION_ID}"),
            cancel_url=_return_url("billing_settings"),
        ),
    )


@team_manager_required
def billing_done(request: StaffRequest) -> HttpResponse:
    """The return from Stripe Checkout: take the new state now rather than wait for the
    webhook (which applies the same state again, harmlessly)."""
    subscription = current_subscription()
    session_id = request.GET.get("session_id", "")
    if billing_enabled() and session_id:
        try:
            session = stripe_client().v1.checkout.sessions.retrieve(session_id)
            if session.customer == subscription.stripe_customer_id and session.subscription:
                paid = session.subscription
                subscription_refresh(
                    subscription, subscription_id=paid if isinstance(paid, str) else paid.id
                )
        except StripeError:
            logger.exception("Stripe checkout session %s could not be read", session_id)
    messages.success(request, _("Thank you! Your subscription is being set up."))
    return redirect("billing_settings")


@team_manager_required
@require_POST
def billing_portal(request: StaffRequest) -> HttpResponse:
    return _stripe_redirect(
        request,
        lambda: billing_portal_url(
            subscription=current_subscription(), return_url=_return_url("billing_settings")
        ),
    )


@team_manager_required
@require_POST
def billing_seats(request: StaffRequest) -> HttpResponse:
    form = SeatsForm(request.POST)
    if form.is_valid():
        try:
            subscription = seats_set(
                subscription=current_subscription(),
                seats=form.cleaned_data["seats"],
                used=seats_used(),
            )
        except ValidationError as error:
            errors_into(form, error)
        except StripeError:
            logger.exception("Stripe seat change failed")
            form.add_error(None, STRIPE_UNREACHABLE)
        else:
            messages.success(
                request,
                _(
                    "You now pay for %(count)s seats; the difference is prorated on your next "
                    "invoice."
                )
                % {"count": subscription.seats},
            )
            return redirect("billing_settings")
    _errors_to_messages(request, form)
    return redirect("billing_settings")


@team_manager_required
@require_POST
def billing_connect(request: StaffRequest) -> HttpResponse:
    return _stripe_redirect(
        request,
        lambda: connect_onboarding_url(
            actor=request.user,
            tenant=connection.tenant,
            refresh_url=_return_url("billing_settings"),
            return_url=_return_url("billing_connect_return"),
        ),
    )


@team_manager_required
def billing_connect_return(request: StaffRequest) -> HttpResponse:
    try:
        account = connect_refresh(connection.tenant)
    except StripeError:
        logger.exception("Stripe account could not be read")
        messages.error(request, STRIPE_UNREACHABLE)
    else:
        if account is not None and account.charges_enabled:
            messages.success(request, _("Your customers can now pay by card in the portal."))
        else:
            messages.warning(
                request, _("Stripe still needs some details before you can take payments.")
            )
    return redirect("billing_settings")


# --- Refunds from the CRM order page ------------------------------------------------------------


@require_POST
def payment_refund_view(request: StaffRequest, pk: int, payment_pk: int) -> HttpResponse:
    order = order_get_for_user(user=request.user, pk=pk)
    payment = get_object_or_404(Payment, pk=payment_pk, order=order)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            payment_refund(actor=request.user, payment=payment, amount=form.cleaned_data["amount"])
        except ValidationError as error:
            errors_into(form, error)
        except StripeError:
            logger.exception("Stripe refund failed")
            form.add_error(None, STRIPE_UNREACHABLE)
        else:
            messages.success(request, _("The refund is on its way to the customer."))
            return redirect("order_detail", pk=order.pk)
    _errors_to_messages(request, form)
    return redirect("order_detail", pk=order.pk)
