"""The public site's signup page: a company creates its workspace and lands in it."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from config.forms import errors_into
from onboarding.services import company_signup
from tenants.forms import SignupForm
from tenants.identity.throttle import login_attempt_allowed


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
                result = company_signup(**form.cleaned_data)
            except ValidationError as error:
                errors_into(form, error)
            else:
                return redirect(result.checkout_url or result.login_url)
    return render(
        request, "tenants/signup.html", {"form": form}, status=400 if form.errors else 200
    )
