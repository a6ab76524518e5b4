from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tenants.hosts import company_of, on_own_domain

# Paths on a tenant host that an anonymous visitor may open.
ANONYMOUS_PREFIXES = (
    "/login/",
    "/password-reset/",
    "/reset/",
    "/invite/",
    "/auth/handoff/",
    "/i18n/",
    "/portal/",
    "/api/",
    "/hooks/",  # other systems' webhooks, each checking its own signature
    "/embed/",  # what companies put on their own websites (web forms)
    "/static/",
    "/favicon.ico",
)
# Paths on a tenant host that a portal customer may open (API routes decide in DRF).
CUSTOMER_PREFIXES = (*ANONYMOUS_PREFIXES, "/logout/")


class StaffAreaMiddleware:
    """Fail-closed guard of the staff app on tenant hosts.

    Every page outside the allow-lists needs a signed-in staff member: anonymous visitors go to
    the login page, portal customers get 403 (their own area is /portal/). API routes
    authenticate in DRF (Bearer or session) and their default permission refuses customers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if company_of(request) is None:
            return self.get_response(request)
        path = request.path
        user = request.user
        if not user.is_authenticated:
            if path.startswith(ANONYMOUS_PREFIXES):
                return self.get_response(request)
            if on_own_domain(request):
                # A company's own domain is its customers' front door.
                return redirect("portal_home")
            return redirect(f"{settings.LOGIN_URL_PATH}?next={request.get_full_path()}")
        if user.is_customer and path == "/":
            return redirect("portal_home")
        if user.is_customer and not path.startswith(CUSTOMER_PREFIXES):
            raise PermissionDenied(_("This area is for the company's staff."))
        return self.get_response(request)
