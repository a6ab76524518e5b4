from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_exists, tenant_context
from stripe import StripeError

from billing.services.subscriptions import checkout_url, plan_for_signup, subscription_create
from crm_core.services.deals import pipeline_default_create
from crm_core.services.interactions import interaction_lists_default_create
from crm_core.services.parties import lifecycle_stages_default_create
from crm_core.services.tickets import support_topics_default_create
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.services.handoff import handoff_path_for
from tenants.identity.services.users import user_create
from tenants.links import domain_for, url_for_domain
from tenants.models import Domain, Tenant
from tenants.validators import schema_name_for, validate_subdomain

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


def public_tenant_ensure() -> Tenant:
    """The public site is a tenant too (schema `public`) answering on BASE_DOMAIN."""
    public, _ = Tenant.objects.get_or_create(
        schema_name=get_public_schema_name(), defaults={"name": "Tenantly"}
    )
    Domain.objects.get_or_create(
        domain=settings.BASE_DOMAIN, defaults={"tenant": public, "is_primary": True}
    )
    return public


def subdomain_availability_errors(subdomain: str) -> list[str]:
    try:
        validate_subdomain(subdomain)
    except ValidationError as error:
        return list(error.messages)
    schema_name = schema_name_for(subdomain)
    taken = (
        Domain.objects.filter(domain=domain_for(subdomain)).exists()
        or Tenant.objects.filter(schema_name=schema_name).exists()
        or schema_exists(schema_name)
    )
    return [_("This address is already taken.")] if taken else []


def _validate_signup(
    *, company_name: str, subdomain: str, owner_name: str, email: str, password: str
) -> None:
    errors: dict[str, list[str]] = {}
    if not company_name.strip():
        errors["company_name"] = [_("Enter your company's name.")]
    if not owner_name.strip():
        errors["owner_name"] = [_("Enter your name.")]
    subdomain_errors = subdomain_availability_errors(subdomain)
    if subdomain_errors:
        errors["subdomain"] = subdomain_errors
    try:
        validate_password(password, user=User(email=email, full_name=owner_name))
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)


def tenant_signup(
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
    """Create a company's workspace: schema (cloned from the template), domain and owner.

    All of it or nothing: the schema, the rows and the owner are created in one transaction
    (PostgreSQL DDL is transactional), so a failure leaves no schema, domain or user behind.
    """
    connection.set_schema_to_public()
    subdomain = subdomain.strip().lower()
    _validate_signup(
        company_name=company_name,
        subdomain=subdomain,
        owner_name=owner_name,
        email=email,
        password=password,
    )
    domain = domain_for(subdomain)
    chosen_plan = plan_for_signup(plan)
    try:
        with transaction.atomic():
            tenant = Tenant(schema_name=schema_name_for(subdomain), name=company_name.strip())
            tenant.save(verbosity=0)
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
            subscription = subscription_create(tenant=tenant, plan=chosen_plan, interval=interval)
            with tenant_context(tenant):
                owner = user_create(
                    email=email, full_name=owner_name, password=password, role=Role.OWNER
                )
                lifecycle_stages_default_create()
                interaction_lists_default_create()
                pipeline_default_create()
                support_topics_default_create()
                login_path = handoff_path_for(owner)
    except (IntegrityError, ValidationError) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            raise
        raise ValidationError({"subdomain": [_("This address is already taken.")]}) from error
    finally:
        connection.set_schema_to_public()
    login_url = url_for_domain(domain, login_path)
    checkout = ""
    if chosen_plan.is_paid:
        # The workspace exists whatever Stripe answers: the owner can pay later from billing.
        try:
            checkout = checkout_url(
                subscription=subscription,
                plan=chosen_plan,
                interval=interval,
                seats=seats,
                email=email,
                success_url=login_url,
                cancel_url=login_url,
            )
        except (StripeError, ValidationError):
            logger.exception("Checkout for %s could not be started", tenant.schema_name)
    return SignupResult(
        tenant_id=tenant.pk,
        schema_name=tenant.schema_name,
        domain=domain,
        tenant_url=url_for_domain(domain),
        login_url=login_url,
        owner_id=owner.pk,
        plan=chosen_plan.code,
        checkout_url=checkout,
    )
