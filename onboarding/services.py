"""A company signing up: its workspace (tenants), its subscription (billing) and what every
company starts with (the CRM's lifecycle stages, interaction topics and outcomes, a pipeline,
support topics), in one transaction; then, for a paid plan, Stripe Checkout."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from stripe import StripeError

from billing.models import Subscription
from billing.services.subscriptions import checkout_url, plan_for_signup, subscription_create
from crm_core.activities.services import interaction_lists_default_create
from crm_core.deals.services import pipeline_default_create
from crm_core.parties.services import lifecycle_stages_default_create
from crm_core.support.services import support_topics_default_create
from tenants.links import url_for_domain
from tenants.models import Tenant
from tenants.services.provisioning import signup_check, workspace_create

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignupResult:
    tenant_id: int
    schema_name: str
    domain: str
    tenant_url: str
    login_url: str
    owner_id: int
    plan: str = "trial"
    # Stripe Checkout for a paid plan (the workspace is usable meanwhile, for the trial period).
    checkout_url: str = ""


def company_defaults_create() -> None:
    """The lists every company starts with, in its schema."""
    lifecycle_stages_default_create()
    interaction_lists_default_create()
    pipeline_default_create()
    support_topics_default_create()


def company_signup(
    *,
    company_name: str,
    subdomain: str,
    owner_name: str,
    email: str,
    password: str,
    plan: str = "",
    interval: str = "month",
    seats: int = 1,
) -> SignupResult:
    """Create a company: its workspace and owner, its subscription to `plan`, its default
    lists; all of it or nothing. The answer names the owner's one-time sign-in link, and
    Stripe Checkout for a paid plan (the workspace exists whatever Stripe answers: the owner
    can pay later from billing)."""
    signup_check(
        company_name=company_name,
        subdomain=subdomain.strip().lower(),
        owner_name=owner_name,
        email=email,
        password=password,
    )
    chosen_plan = plan_for_signup(plan)
    subscriptions: list[Subscription] = []

    def subscribe(tenant: Tenant) -> None:
        subscriptions.append(
            subscription_create(tenant=tenant, plan=chosen_plan, interval=interval)
        )

    workspace = workspace_create(
        company_name=company_name,
        subdomain=subdomain,
        owner_name=owner_name,
        email=email,
        password=password,
        prepare=subscribe,
        seed=company_defaults_create,
    )
    login_url = url_for_domain(workspace.domain, workspace.login_path)
    checkout = ""
    if chosen_plan.is_paid:
        try:
            checkout = checkout_url(
                subscription=subscriptions[0],
                plan=chosen_plan,
                interval=interval,
                seats=seats,
                email=email,
                success_url=login_url,
                cancel_url=login_url,
            )
        except (StripeError, ValidationError):
            logger.exception("Checkout for %s could not be started", workspace.tenant.schema_name)
    return SignupResult(
        tenant_id=workspace.tenant.pk,
        schema_name=workspace.tenant.schema_name,
        domain=workspace.domain,
        tenant_url=url_for_domain(workspace.domain),
        login_url=login_url,
        owner_id=workspace.owner.pk,
        plan=chosen_plan.code,
        checkout_url=checkout,
    )
