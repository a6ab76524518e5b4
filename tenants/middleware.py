"""The first law of the house: every request runs in the schema of the company whose host it
came to (django-tenants' middleware, with this platform's host rules)."""

from __future__ import annotations

from django.conf import settings
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.hosts import domain_serving, hostname


class TenantMiddleware(TenantMainMiddleware):
    """django-tenants' host-to-schema middleware, reading what the apps above ask for with the
    company (TENANT_DOMAIN_SELECT_RELATED: billing's subscription and plan) in the same query
    as its domain, and keeping a leading "www." for the lookup (`domain_serving`: a company's
    own domain may be www.shop.example)."""

    @staticmethod
    def hostname_from_request(request):
        return hostname(request)

    def get_tenant(self, domain_model, hostname):
        related = ("tenant", *settings.TENANT_DOMAIN_SELECT_RELATED)
        domain = domain_serving(domain_model.objects.select_related(*related), hostname)
        if domain is None:
            raise domain_model.DoesNotExist(hostname)
        return domain.tenant
