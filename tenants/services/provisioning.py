from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_exists, tenant_context

from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.services.handoff import handoff_path_for
from tenants.identity.services.users import user_create
from tenants.links import domain_for
from tenants.models import Domain, Tenant
from tenants.typing import connection
from tenants.validators import schema_name_for, validate_subdomain

logger = logging.getLogger(__name__)


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


def signup_check(
    *, company_name: str, subdomain: str, owner_name: str, email: str, password: str
) -> None:
    """Every field of a signup, each with its message (nothing is created)."""
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


@dataclass(frozen=True)
class Workspace:
    """A company's new workspace: its row, its address, its owner and their one-time link."""

    tenant: Tenant
    domain: str
    owner: User
    login_path: str


def workspace_create(
    *,
    company_name: str,
    subdomain: str,
    owner_name: str,
    email: str,
    password: str,
    prepare: Callable[[Tenant], None] = lambda tenant: None,
    seed: Callable[[], None] = lambda: None,
) -> Workspace:
    """Create a company's workspace: schema (cloned from the template), domain and owner.

    What the apps above add to every company comes as two steps of the same transaction:
    `prepare(tenant)` before the owner exists (billing's subscription, which the seat check
    reads), `seed()` in the company's schema once the owner does (the CRM's default lists).
    All of it or nothing: PostgreSQL DDL is transactional, so a failure leaves no schema,
    domain or user behind.
    """
    connection.set_schema_to_public()
    subdomain = subdomain.strip().lower()
    signup_check(
        company_name=company_name,
        subdomain=subdomain,
        owner_name=owner_name,
        email=email,
        password=password,
    )
    domain = domain_for(subdomain)
    try:
        with transaction.atomic():
            tenant = Tenant(schema_name=schema_name_for(subdomain), name=company_name.strip())
            tenant.save(verbosity=0)
            Domain.objects.create(domain=domain, tenant=tenant, is_primary=True)
            prepare(tenant)
            with tenant_context(tenant):
                owner = user_create(
                    email=email, full_name=owner_name, password=password, role=Role.OWNER
                )
                seed()
                login_path = handoff_path_for(owner)
    except (IntegrityError, ValidationError) as error:
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            raise
        raise ValidationError({"subdomain": [_("This address is already taken.")]}) from error
    finally:
        connection.set_schema_to_public()
    return Workspace(tenant=tenant, domain=domain, owner=owner, login_path=login_path)
