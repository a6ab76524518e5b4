"""Which company a request is for."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name, remove_www

from tenants.models import Domain, Tenant


def company_of(request: HttpRequest) -> Tenant | None:
    """The company whose host the request came to; None on the platform's public site."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return None
    return tenant


def hostname(request: HttpRequest) -> str:
    """The request's host name, without the port."""
    return request.get_host().rsplit(":", 1)[0]


def domain_serving(domains: QuerySet[Domain], host: str) -> Domain | None:
    """The Domain row that serves `host`: the host itself, else the host without a leading
    "www." (django-tenants' rule: www.acme.example is acme.example). Looking at the host itself
    first lets a company's own domain be www.shop.example."""
    names = list(dict.fromkeys([host, remove_www(host)]))
    found = {domain.domain: domain for domain in domains.filter(domain__in=names)}
    return next((found[name] for name in names if name in found), None)


def on_own_domain(request: HttpRequest) -> bool:
    """Whether the request came to a company's own domain (a verified CustomDomain) rather than
    to the platform's BASE_DOMAIN or one of its subdomains."""
    host = hostname(request).lower()
    base = settings.BASE_DOMAIN.lower()
    return host != base and not host.endswith(f".{base}")
