"""A lapsed company's workspace is read-only: every write is refused with a link to billing."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from billing.services.subscriptions import subscription_for
from billing.views import stripe_webhook
from config.api import is_api_request
from tenants.hosts import company_of, hostname
from tenants.typing import connection

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
BILLING_PATH = "/settings/billing/"
WEBHOOK_PATH = "/billing/stripe/webhook/"
# Writes a read-only workspace still takes: signing in and out, billing itself, language,
# exports (reading everything out is always allowed) and marking notifications read.
WRITES_ALLOWED = re.compile(
    r"^/(login/|logout/|password-reset/|reset/|auth/|i18n/|settings/billing/|notifications/"
    r"|portal/(login|logout|password-reset|reset)|api/v1/auth/token/"
    r"|(contacts|companies)/export\.)"
)


def read_only_message() -> str:
    return _(
        "This workspace is read-only because its subscription has lapsed. You can still read "
        "and export everything; an owner or administrator can renew it on the billing page."
    )


class StripeWebhookMiddleware:
    """Stripe's webhook on the platform's own host, answered ahead of the page middleware.

    The acknowledgement needs no tenant, session, CSRF or CSP work, and must stay fast when
    events come in bursts (bench/stripe_webhooks.py): it verifies, stores and answers."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path == WEBHOOK_PATH
            and request.method == "POST"
            and hostname(request) == settings.BASE_DOMAIN
        ):
            connection.set_schema_to_public()

            return stripe_webhook(request)
        return self.get_response(request)


class SubscriptionMiddleware:
    """Reads the company's subscription on every request, so a state change made by a webhook
    in a worker takes effect on the next request in every web process."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = company_of(request)
        if tenant is None:
            return self.get_response(request)
        try:
            subscription = tenant.subscription  # read with the tenant (TenantMiddleware)
        except ObjectDoesNotExist:
            subscription = subscription_for(tenant)
        request.subscription = subscription  # type: ignore[attr-defined]  # read by the pages
        if (
            subscription.is_read_only
            and request.method not in SAFE_METHODS
            and not WRITES_ALLOWED.match(request.path)
        ):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        message = read_only_message()
        if is_api_request(request):
            return JsonResponse(
                {"detail": message, "code": "read_only", "billing_url": BILLING_PATH}, status=403
            )
        response = render(
            request,
            "billing/read_only.html",
            {"message": message, "billing_url": BILLING_PATH},
            status=403,
        )
        if request.headers.get("HX-Request"):
            # htmx keeps the page as it is and shows the message (frontend/src/app.ts).
            response["HX-Reswap"] = "none"
            response["HX-Trigger"] = json.dumps(
                {"tenantly:read-only": {"text": message, "url": BILLING_PATH}}
            )
        return response
