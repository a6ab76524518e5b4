from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenants.identity.forms import ApiTokenForm, ProfileForm
from tenants.identity.selectors.users import api_tokens_of
from tenants.identity.services.tokens import api_token_create, api_token_revoke


def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    context = {"tokens": api_tokens_of(user=request.user), "form": form, "new_token": new_token}
    return render(request, "identity/api_tokens.html", context)


@require_POST
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=pk):
        messages.success(request, _("Token revoked. Integrations using it stop working now."))
    return redirect("api_tokens")


def profile(request: HttpRequest) -> HttpResponse:
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
