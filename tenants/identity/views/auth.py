import time
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from tenants.identity.forms import CodeForm, InvitationAcceptForm, LoginForm
from tenants.identity.models import User
from tenants.identity.services.handoff import handoff_user
from tenants.identity.services.totp import (
    TOO_MANY_CODES,
    CodeCheck,
    second_factor_required,
    totp_sign_in_check,
)
from tenants.identity.services.users import invitation_accept, invitation_get_by_secret
from tenants.identity.throttle import login_attempt_allowed

BACKEND = "django.contrib.auth.backends.ModelBackend"
# session key: who passed the password step of a two-factor sign-in, and when
PENDING_SECOND_FACTOR = "second_factor"
PENDING_SECONDS = 300
# wrong codes one pending sign-in takes before the password is asked again
PENDING_TRIES = 5


def too_many_attempts(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "identity/locked_out.html",
        {"message": _("Too many attempts from your network. Wait a minute.")},
        status=429,
    )


def second_factor_step(
    request: HttpRequest, *, template: str, restart: str, home: str, next_prefix: str
) -> HttpResponse:
    """The code after the password (staff at /login/code/, customers on the portal): the
    session opens when the code of the user who passed the password step is right. That step
    is valid for PENDING_SECONDS; `restart` is the sign-in page to go back to after it."""
    pending = request.session.get(PENDING_SECOND_FACTOR)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_SECOND_FACTOR, None)
        messages.info(request, _("Sign in again."))
        return redirect(restart)
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if not login_attempt_allowed(request):
            return too_many_attempts(request)
        if form.is_valid():
            user = User.objects.filter(pk=pending["user"], is_active=True).first()
            check = (
                totp_sign_in_check(user=user, code=form.cleaned_data["code"])
                if user
                else CodeCheck.WRONG
            )
            if check is CodeCheck.RIGHT:
                del request.session[PENDING_SECOND_FACTOR]
                login(request, user, backend=BACKEND)
                next_url = request.GET.get("next", "")
                safe = next_url.startswith(next_prefix) and not next_url.startswith("//")
                return redirect(next_url if safe else home)
            pending["tries"] = pending.get("tries", 0) + 1
            if check is CodeCheck.LOCKED or pending["tries"] >= PENDING_TRIES:
                request.session.pop(PENDING_SECOND_FACTOR, None)
                messages.error(request, _(TOO_MANY_CODES))
                return redirect(restart)
            request.session[PENDING_SECOND_FACTOR] = pending
            form.add_error("code", _("This code is not right. Try the newest one."))
    return render(request, template, {"form": form})


def login_code(request: HttpRequest) -> HttpResponse:
    return second_factor_step(
        request,
        template="identity/login_code.html",
        restart="login",
        home="dashboard",
        next_prefix="/",
    )


class LoginView(auth_views.LoginView):
    template_name = "identity/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if not login_attempt_allowed(request):
            return render(
                request,
                "identity/locked_out.html",
                {"message": _("Too many sign-in attempts from your network. Wait a minute.")},
                status=429,
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if second_factor_required(user):
            # the password was right; the session opens only after the code
            self.request.session[PENDING_SECOND_FACTOR] = {"user": user.pk, "at": time.time()}
            next_url = self.get_redirect_url()
            step = "portal_login_code" if user.is_customer else "login_code"
            return redirect(reverse(step) + (f"?next={quote(next_url)}" if next_url else ""))
        return super().form_valid(form)

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if getattr(self.request.user, "is_customer", False):
            return "/portal/"
        return url


def handoff(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Sign in with the one-time link issued at signup on the public site."""
    user = handoff_user(uidb64=uidb64, token=token)
    if user is None:
        messages.error(request, _("This sign-in link has expired. Please sign in."))
        return redirect("login")
    login(request, user, backend=BACKEND)
    messages.success(
        request, _("Welcome to your new workspace, %(name)s!") % {"name": user.get_short_name()}
    )
    return redirect("dashboard")


def invitation_accept_view(request: HttpRequest, secret: str) -> HttpResponse:
    invitation = invitation_get_by_secret(secret=secret)
    if invitation is None:
        return render(request, "identity/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(
        request.POST or None, email=invitation.email, initial={"full_name": invitation.full_name}
    )
    if request.method == "POST" and form.is_valid():
        user = invitation_accept(
            invitation=invitation,
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password"],
        )
        login(request, user, backend=BACKEND)
        messages.success(request, _("Welcome aboard!"))
        return redirect("dashboard")
    return render(
        request, "identity/invitation_accept.html", {"form": form, "invitation": invitation}
    )
