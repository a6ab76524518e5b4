from django.conf import settings
from django.db import connection
from django_tenants.utils import get_public_schema_name


def tenant(request) -> dict:
    current = getattr(request, "tenant", None) or getattr(connection, "tenant", None)
    is_public = current is None or current.schema_name == get_public_schema_name()
    return {
        "current_tenant": None if is_public else current,
        "is_public_site": is_public,
        "base_domain": settings.BASE_DOMAIN,
    }
