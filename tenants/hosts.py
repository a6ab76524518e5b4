"""Which company a request is for."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant


def company_of(request: HttpRequest) -> Tenant | None:
    """The company whose host the request came to; None on the platform's public site."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return None
    return tenant


def on_own_domain(request: HttpRequest) -> bool:
    """Whether the request came to a company's own domain (a verified CustomDomain) rather than
    to the platform's BASE_DOMAIN or one of its subdomains."""
    host = request.get_host().rsplit(":", 1)[0].lower()
    base = settings.BASE_DOMAIN.lower()
    return host != base and not host.endswith(f".{base}")
