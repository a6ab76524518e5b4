"""The phone system's webhooks (its own signature is the credential), the call log, click-to-call
and the administrators' phone system settings."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from rest_framework import serializers

from config.api import StrictSerializer
from config.forms import errors_into
from crm_core.channels.forms import PhoneLineForm, TelephonyForm
from crm_core.channels.models import Call, PhoneLine, Telephony
from crm_core.channels.selectors import calls_visible
from crm_core.channels.telephony import (
    EVENT_KINDS,
    WEBHOOK,
    CallEvent,
    DialError,
    call_dial,
    call_event_receive,
    phone_line_add,
    phone_line_remove,
    telephony_get,
    telephony_save,
    telephony_secret,
    telephony_secret_renew,
    twilio_event,
    twilio_request_valid,
    webhook_signature_valid,
)
from crm_core.parties.selectors import contact_get_for_user
from tenants.identity.views.team import team_manager_required
from tenants.links import tenant_url
from tenants.typing import StaffRequest

CALLS_SHOWN = 100


class CallEventInput(StrictSerializer):
    """One call event, as a phone system posts it to /hooks/calls/."""

    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=EVENT_KINDS)
    direction = serializers.ChoiceField(choices=Call.Direction.values)
    number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    line = serializers.CharField(max_length=64, required=False, allow_blank=True)
    occurred_at = serializers.DateTimeField(required=False)
    duration_seconds = serializers.IntegerField(min_value=0, max_value=86400, required=False)
    recording_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)


@csrf_exempt
@require_POST
def call_events(request: HttpRequest) -> HttpResponse:
    """A call event from any phone system, signed with the company's call secret: 403 unsigned
    or signed wrongly, 400 with a message per field for an event we cannot read."""
    provider, secret = telephony_secret()
    signature = request.headers.get("X-Tenantly-Signature", "")
    if provider != WEBHOOK or not webhook_signature_valid(
        secret=secret, body=request.body, header=signature
    ):
        return JsonResponse({"detail": "The signature does not match."}, status=403)
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    given = CallEventInput(data=data)
    if not given.is_valid():
        return JsonResponse(given.errors, status=400)
    fields = dict(given.validated_data)
    event = CallEvent(
        provider=WEBHOOK,
        call_id=fields["call_id"],
        kind=fields["event"],
        direction=fields["direction"],
        number=fields.get("number", ""),
        line=fields.get("line", ""),
        at=fields.get("occurred_at"),
        duration_seconds=fields.get("duration_seconds"),
        recording_url=fields.get("recording_url", ""),
    )
    record = call_event_receive(event)
    return JsonResponse({"received": record.pk}, status=202)


@csrf_exempt
@require_POST
def call_events_twilio(request: HttpRequest) -> HttpResponse:
    """Twilio Voice's status callback, at the address the company gave Twilio (refused with 403
    unless Twilio signed it with the company's auth token)."""
    fields = {name: request.POST.getlist(name) for name in request.POST}
    if not twilio_request_valid(
        telephony=telephony_get(),
        url=tenant_url(request.path),
        fields=fields,
        signature=request.headers.get("X-Twilio-Signature", ""),
    ):
        return HttpResponse(status=403)
    event = twilio_event(fields)
    if event is not None:
        call_event_receive(event)
    return HttpResponse(status=204)


def call_list(request: StaffRequest) -> HttpResponse:
    """The latest calls of the clients the reader may see (and their own)."""
    calls = calls_visible(user=request.user).select_related("contact", "staff")[:CALLS_SHOWN]
    return render(request, "crm_core/channels/calls.html", {"calls": calls})


@require_POST
def call_dial_view(request: StaffRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    try:
        call_dial(actor=request.user, contact=contact, number=request.POST.get("number", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except DialError as error:
        messages.error(
            request, _("The phone system did not place the call: %(reason)s") % {"reason": error}
        )
    else:
        messages.success(request, _("Your phone rings now; the client is dialled when you answer."))
    return redirect("contact_detail", pk=contact.pk)


def _settings_page(
    request: StaffRequest, form: TelephonyForm | None = None, line_form: PhoneLineForm | None = None
) -> HttpResponse:
    telephony = telephony_get()
    context: dict[str, Any] = {
        "telephony": telephony,
        "form": form or TelephonyForm.of(telephony),
        "line_form": line_form or PhoneLineForm(),
        "lines": PhoneLine.objects.select_related("user"),
        "webhook_url": tenant_url(reverse("call_events")),
        "twilio_url": tenant_url(reverse("call_event_twilio")),
        "providers": Telephony.Provider,
    }
    return render(request, "crm_core/channels/telephony.html", context)


@team_manager_required
def telephony_settings(request: StaffRequest) -> HttpResponse:
    if request.method != "POST":
        return _settings_page(request)
    form = TelephonyForm.of(telephony_get(), request.POST)
    if form.is_valid():
        try:
            telephony_save(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The phone system is saved."))
            return redirect("telephony_settings")
    return _settings_page(request, form=form)


@require_POST
@team_manager_required
def telephony_secret_view(request: StaffRequest) -> HttpResponse:
    telephony_secret_renew(actor=request.user)
    messages.success(request, _("A new call secret is made: give it to the phone system."))
    return redirect("telephony_settings")


@require_POST
@team_manager_required
def phone_line_add_view(request: StaffRequest) -> HttpResponse:
    form = PhoneLineForm(request.POST)
    if form.is_valid():
        try:
            phone_line_add(
                actor=request.user, user=form.cleaned_data["user"], line=form.cleaned_data["line"]
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The line is added."))
            return redirect(reverse("telephony_settings") + "#lines")
    return _settings_page(request, line_form=form)


@require_POST
@team_manager_required
def phone_line_remove_view(request: StaffRequest, pk: int) -> HttpResponse:
    phone_line_remove(actor=request.user, line=get_object_or_404(PhoneLine, pk=pk))
    messages.success(request, _("The line is removed."))
    return redirect(reverse("telephony_settings") + "#lines")
