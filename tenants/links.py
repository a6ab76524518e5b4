"""Absolute links to a company's workspace, for emails and signup answers."""

from django.conf import settings

from tenants.models import CustomDomain, Tenant
from tenants.typing import connection


def domain_for(subdomain: str) -> str:
    return f"{subdomain}.{settings.BASE_DOMAIN}"


def url_for_domain(domain: str, path: str = "/") -> str:
    port = settings.BASE_URL_PORT
    suffix = f":{port}" if port and port not in ("80", "443") else ""
    return f"{settings.BASE_URL_SCHEME}://{domain}{suffix}{path}"


def tenant_url(path: str = "/") -> str:
    """Absolute URL of `path` on the current tenant's primary domain."""
    return url_for_domain(connection.tenant.get_primary_domain().domain, path)


def portal_url(path: str = "/portal/") -> str:
    """Absolute URL of `path` at the current company's portal address: the own domain it
    chose for mailed links (settings of the portal), else its workspace domain."""

    own = (
        CustomDomain.objects.filter(
            tenant_id=connection.tenant.pk,
            status=CustomDomain.Status.VERIFIED,
            is_portal_address=True,
        )
        .values_list("domain", flat=True)
        .first()
    )
    return url_for_domain(own, path) if own else tenant_url(path)


def company_name() -> str:
    """The current company's name, also where only its schema is set (a job's or a
    command's `schema_context`, whose tenant is a stand-in without one)."""
    name = getattr(connection.tenant, "name", None)
    if name:
        return name
    found = Tenant.objects.filter(schema_name=connection.schema_name).values_list("name", flat=True)
    return found.first() or ""
