"""Types the checker cannot learn from Django alone: the tenant-aware database connection of
django-tenants and the request of a signed-in staff member (django-htmx's details on it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection as _connection
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from tenants.identity.models import User
    from tenants.models import Tenant

    class TenantConnection(BaseDatabaseWrapper):
        schema_name: str
        tenant: Tenant

        def set_schema(self, schema_name: str, include_public: bool = True) -> None: ...
        def set_tenant(self, tenant: Tenant, include_public: bool = True) -> None: ...
        def set_schema_to_public(self) -> None: ...


# the same object as django.db.connection (a proxy to the current thread's connection)
connection = cast("TenantConnection", _connection)


class StaffRequest(HttpRequest):
    """A request the tenant's middleware let through to a staff page: its user is signed in."""

    user: User
    htmx: HtmxDetails
