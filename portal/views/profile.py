"""The customer's profile: details and consents, addresses, email, password, two-factor sign-in,
the download of all their data and the request to erase it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import AddressForm, EmailChangeForm, PhoneForm, ProfileForm
from portal.selectors import address_of
from portal.services.accounts import email_change_confirm, email_change_request
from portal.services.privacy import data_export, erasure_request
from portal.services.profile import address_delete, address_save, profile_save
from portal.views.common import customer_view
from tenants.identity.views.account import two_factor_settings


@customer_view
def profile(request: HttpRequest) -> HttpResponse:
    contact = request.account.contact
    posted = request.method == "POST"
    form = ProfileForm(request.POST if posted else None, instance=contact)
    phone_form = PhoneForm(
        request.POST if posted else None,
        initial={"phone": contact.phones[0] if contact.phones else ""},
    )
    if posted and form.is_valid() and phone_form.is_valid():
        try:
            profile_save(contact=contact, form=form, phone=phone_form.cleaned_data["phone"])
        except ValidationError as error:
            phone_form.add_error("phone", error.messages)
        else:
            user = request.account.user
            user.full_name = contact.full_name
            user.language = contact.language
            user.save(update_fields=["full_name", "language"])
            messages.success(request, _("Your details are saved."))
            return redirect("portal_profile")
    return render(
        request,
        "portal/profile.html",
        {
            "form": form,
            "phone_form": phone_form,
            "addresses": contact.addresses.all(),
            "email_form": EmailChangeForm(user=request.user),
            "password_form": PasswordChangeForm(request.user),
            "account": request.account,
        },
    )


@customer_view
def address_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    address = address_of(account=request.account, pk=pk) if pk else None
    form = AddressForm(request.POST or None, instance=address)
    if request.method == "POST" and form.is_valid():
        address_save(contact=request.account.contact, form=form)
        messages.success(request, _("The address is saved."))
        return redirect("portal_profile")
    return render(request, "portal/address_form.html", {"form": form, "address": address})


@require_POST
@customer_view
def address_remove(request: HttpRequest, pk: int) -> HttpResponse:
    address_delete(address=address_of(account=request.account, pk=pk))
    messages.success(request, _("The address is removed."))
    return redirect("portal_profile")


@require_POST
@customer_view
def email_change(request: HttpRequest) -> HttpResponse:
    form = EmailChangeForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            email_change_request(user=request.user, email=form.cleaned_data["email"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Open the link we sent to %(email)s to switch to it.")
                % {"email": form.cleaned_data["email"]},
            )
    else:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect("portal_profile")


@customer_view
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        email = email_change_confirm(user=request.user, token=token)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You now sign in with %(email)s.") % {"email": email})
    return redirect("portal_profile")


@require_POST
@customer_view
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST)
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password is changed."))
    else:
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
    return redirect("portal_profile")


@customer_view
def security(request: HttpRequest) -> HttpResponse:
    return two_factor_settings(request, template="portal/security.html")


@customer_view
def data_download(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(data_export(account=request.account), content_type="application/zip")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.zip"'
    return response


@require_POST
@customer_view
def erasure(request: HttpRequest) -> HttpResponse:
    try:
        ticket = erasure_request(account=request.account)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
        return redirect("portal_profile")
    messages.success(
        request,
        _("We have your request %(number)s and will erase your data; we write to you here.")
        % {"number": ticket.number},
    )
    return redirect("portal_ticket_detail", pk=ticket.pk)
