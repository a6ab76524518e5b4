from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from config.forms import errors_into
from tenants.forms import SignupForm
from tenants.identity.throttle import login_attempt_allowed
from tenants.models import Domain
from tenants.services.provisioning import subdomain_availability_errors, tenant_signup


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/home.html")


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(
        request.POST or None,
        initial={
            "plan": request.GET.get("plan", ""),
            "interval": request.GET.get("interval", "month"),
        },
    )
    if request.method == "POST" and form.is_valid():
        if not login_attempt_allowed(request):
            form.add_error(None, _("Too many attempts from your network. Wait a minute."))
        else:
            try:
                result = tenant_signup(**form.cleaned_data)
            except ValidationError as error:
                errors_into(form, error)
            else:
                return redirect(result.checkout_url or result.login_url)
    return render(
        request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200
    )


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
