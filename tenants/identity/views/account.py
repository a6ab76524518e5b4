from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.identity.forms import ApiTokenForm, CodeForm, ProfileForm
from tenants.identity.selectors.users import api_tokens_of
from tenants.identity.services.tokens import api_token_create, api_token_revoke
from tenants.identity.services.totp import totp_disable, totp_enable, totp_qr_svg, totp_setup
from tenants.typing import StaffRequest


def api_tokens(request: StaffRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    context = {"tokens": api_tokens_of(user=request.user), "form": form, "new_token": new_token}
    return render(request, "identity/api_tokens.html", context)


@require_POST
def api_token_revoke_view(request: StaffRequest, pk: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("Token revoked. Integrations using it stop working now."))
    return redirect("api_tokens")


def profile(request: StaffRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        response = redirect("profile")
        if user.language:
            translation.activate(user.language)
            response.set_cookie("django_language", user.language, samesite="Lax")
        messages.success(request, _("Profile saved."))
        return response
    return render(request, "identity/profile.html", {"form": form})


def two_factor_settings(request: StaffRequest, *, template: str) -> HttpResponse:
    """Two-factor sign-in of whoever is signed in (staff here, customers on the portal): set
    up a secret, scan it, confirm one code to switch it on; switching it off takes a code."""
    user = request.user
    form = CodeForm(request.POST or None)
    action = request.POST.get("action")
    if request.method == "POST":
        if action == "setup":
            # a new secret never replaces an active one
            if user.totp_enabled_at is None:
                totp_setup(user=user)
            return redirect(request.path)
        if form.is_valid():
            try:
                if action == "disable":
                    totp_disable(user=user, code=form.cleaned_data["code"])
                    messages.success(request, _("Two-factor sign-in is off."))
                else:
                    totp_enable(user=user, code=form.cleaned_data["code"])
                    messages.success(request, _("Two-factor sign-in is on."))
                return redirect(request.path)
            except ValidationError as error:
                form.add_error("code", error.message_dict["code"])
    pending = bool(user.totp_secret) and user.totp_enabled_at is None
    context = {"form": form, "pending": pending, "qr": totp_qr_svg(user=user) if pending else ""}
    return render(request, template, context)


def security(request: StaffRequest) -> HttpResponse:
    return two_factor_settings(request, template="identity/security.html")
