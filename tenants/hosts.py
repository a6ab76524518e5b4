"""Which company a request is for."""

from __future__ import annotations

from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant


def company_of(request: HttpRequest) -> Tenant | None:
    """The company whose host the request came to; None on the platform's public site."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return None
    return tenant
