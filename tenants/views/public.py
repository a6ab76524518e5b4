from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Domain
from tenants.services.provisioning import subdomain_availability_errors


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html")


def subdomain_check(request: HttpRequest) -> HttpResponse:
    """htmx: availability of the typed address, shown under the field as the user types."""
    subdomain = request.GET.get("subdomain", "").strip().lower()
    errors = subdomain_availability_errors(subdomain) if subdomain else []
    return render(
        request, "tenants/_subdomain_check.html", {"subdomain": subdomain, "errors": errors}
    )


def tls_ask(request: HttpRequest) -> HttpResponse:
    """For an on-demand TLS proxy in front of the platform (Caddy's `on_demand_tls ask`): 200
    when `?domain=` is a host the platform answers (a company's verified own domain, a
    workspace's address), 404 otherwise, so certificates are only ever requested for those."""
    domain = request.GET.get("domain", "").strip().lower().rstrip(".")
    if domain and Domain.objects.filter(domain=domain).exists():
        return HttpResponse("ok", content_type="text/plain")
    return HttpResponse("unknown domain", status=404, content_type="text/plain")
