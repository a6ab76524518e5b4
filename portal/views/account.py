"""Signing up, in and out: sign-up with email verification, invitations, the second step of a
two-factor sign-in, password reset on the portal's own pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import LogoutView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from portal.forms import ActivateForm, PortalLoginForm, SignupForm
from portal.models import PortalBranding
from portal.services.accounts import (
    customer_signup,
    customer_verify,
    invitation_activate,
    invitation_user,
    unverified_customer,
    verification_send,
)
from tenants.identity.services.links import password_reset_tokens
from tenants.identity.services.totp import second_factor_required
from tenants.identity.throttle import login_attempt_allowed
from tenants.identity.views.auth import (
    BACKEND,
    LoginView,
    second_factor_step,
    too_many_attempts,
)


class PortalLoginView(LoginView):
    template_name = "portal/login.html"
    authentication_form = PortalLoginForm

    def get_success_url(self) -> str:
        if not self.request.user.is_customer:
            return "/"
        return self.get_redirect_url() or reverse("portal_home")


def login_code(request: HttpRequest) -> HttpResponse:
    return second_factor_step(
        request,
        template="portal/login_code.html",
        restart="portal_login",
        home="portal_home",
        next_prefix="/portal/",
    )


class PortalLogoutView(LogoutView):
    next_page = reverse_lazy("portal_login")


def signup(request: HttpRequest) -> HttpResponse:
    if not PortalBranding.current().signup_open:
        return render(request, "portal/signup_closed.html", status=403)
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not login_attempt_allowed(request):
            return too_many_attempts(request)
        if form.is_valid():
            try:
                customer_signup(
                    email=form.cleaned_data["email"],
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                )
            except ValidationError as error:
                errors_into(form, error)
            else:
                request.session["portal_signup_email"] = form.cleaned_data["email"].strip().lower()
                return redirect("portal_signup_sent")
    return render(request, "portal/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(
        request, "portal/signup_sent.html", {"email": request.session.get("portal_signup_email")}
    )


def verify(request: HttpRequest, token: str) -> HttpResponse:
    user = customer_verify(token=token)
    if user is None:
        return render(request, "portal/link_invalid.html", status=404)
    if second_factor_required(user):
        messages.success(request, _("Your email is confirmed. Sign in to continue."))
        return redirect("portal_login")
    login(request, user, backend=BACKEND)
    messages.success(request, _("Your email is confirmed. Welcome!"))
    return redirect("portal_home")


def activate(request: HttpRequest, token: str) -> HttpResponse:
    """An invited customer chooses a password and is signed in."""
    user = invitation_user(token=token)
    if user is None:
        return render(request, "portal/link_invalid.html", status=404)
    form = ActivateForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        invitation_activate(user=user, password=form.cleaned_data["password"])
        login(request, user, backend=BACKEND)
        messages.success(request, _("Your account is ready. Welcome!"))
        return redirect("portal_home")
    return render(request, "portal/activate.html", {"form": form, "invited": user})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset.html"
    email_template_name = "portal/email/password_reset.txt"
    subject_template_name = "portal/email/password_reset_subject.txt"
    success_url = reverse_lazy("portal_password_reset_done")
    token_generator = password_reset_tokens

    def post(self, request, *args, **kwargs):
        if not login_attempt_allowed(request):
            return too_many_attempts(request)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset_confirm.html"
    success_url = reverse_lazy("portal_password_reset_complete")
    token_generator = password_reset_tokens


@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    """Mail the verification link again to the address that just signed up."""
    if not login_attempt_allowed(request):
        return too_many_attempts(request)
    user = unverified_customer(email=request.session.get("portal_signup_email") or "")
    if user is not None:
        verification_send(user=user)
    messages.success(request, _("We sent the link again."))
    return redirect("portal_signup_sent")
