"""A campaign's mailings (written with a preview, started, paused, resumed, cancelled, with
the log of their recipients) and the recipient's own preference page, opened from the
message's unsubscribe link without signing in."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.forms import error_to_messages, errors_into
from crm_core.marketing.forms import MailingForm, PreferencesForm, SmsForm
from crm_core.marketing.mailings import (
    mailing_cancel,
    mailing_engagement,
    mailing_figures,
    mailing_get_for_user,
    mailing_pause,
    mailing_resume,
    mailing_save,
    mailing_start,
    mailing_variants,
    mailing_winner,
    message_render,
    preferences_save,
    recipient_from_link,
    sms_render,
    sms_report,
    track_click,
    track_open,
    unsubscribe,
)
from crm_core.marketing.models import Mailing
from crm_core.marketing.services import campaign_get_for_user, may_run_campaigns
from crm_core.marketing.sms import sms_length
from tenants.links import company_name, tenant_url
from tenants.typing import StaffRequest


def mailing_edit(request: StaffRequest, pk: int | None = None, campaign_pk: int | None = None):
    """Write a draft: saved only when every merge field is known; "Preview" shows it filled
    with made-up values."""
    mailing = mailing_get_for_user(user=request.user, pk=pk) if pk else None
    campaign = (
        mailing.campaign
        if mailing
        else campaign_get_for_user(user=request.user, pk=campaign_pk or 0)
    )
    initial = (
        {
            "subject": mailing.subject,
            "body": mailing.body,
            "language": mailing.language,
            "from_name": mailing.from_name,
            "subject_b": mailing.subject_b,
            "body_b": mailing.body_b,
            "test_share": mailing.test_share,
            "winner_by": mailing.winner_by,
            "test_hours": mailing.test_hours,
            "send_at": (
                mailing.send_at.astimezone(ZoneInfo(mailing.time_zone)).replace(tzinfo=None)
                if mailing.send_at
                else None
            ),
            "window_from": mailing.window_from,
            "window_to": mailing.window_to,
            "time_zone": mailing.time_zone,
        }
        if mailing
        else {
            "language": request.LANGUAGE_CODE,
            "test_share": 0,
            "test_hours": 4,
            "time_zone": Mailing.DEFAULT_TIME_ZONE,
        }
    )
    channel = mailing.channel if mailing else request.GET.get("channel", Mailing.Channel.EMAIL)
    sms = channel == Mailing.Channel.SMS
    form = (SmsForm if sms else MailingForm)(request.POST or None, initial=initial)
    previews: dict = {}
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if "preview" in request.POST:
            try:
                previews = _previews(Mailing(campaign=campaign, **data))
            except ValidationError as error:
                errors_into(form, error)
        else:
            try:
                saved = mailing_save(
                    actor=request.user, campaign=campaign, mailing=mailing, data=data
                )
            except ValidationError as error:
                errors_into(form, error)
            else:
                messages.success(request, _("The mailing is saved."))
                return redirect("mailing_detail", saved.pk)
    return render(
        request,
        "crm_core/marketing/mailing_form.html",
        {
            "form": form,
            "mailing": mailing,
            "campaign": campaign,
            "sms": sms,
            **previews,
        },
    )


def _previews(mailing: Mailing) -> dict:
    """The message filled with made-up values: an email's subject, HTML and text (and
    variant B's), or an SMS's text and how long it is."""
    if mailing.channel == Mailing.Channel.SMS:
        text = sms_render(mailing, None)
        return {"sms_preview": text, "sms_length": sms_length(text)}
    preview = message_render(mailing, None, "anna@example.com", "#unsubscribe")
    b = mailing.subject_b or mailing.body_b
    return {
        "preview": preview,
        "preview_b": message_render(mailing, None, "anna@example.com", "#unsubscribe", "b")
        if b
        else None,
    }


def mailing_detail(request: StaffRequest, pk: int) -> HttpResponse:
    mailing = mailing_get_for_user(user=request.user, pk=pk)
    try:
        previews = _previews(mailing)
    except ValidationError as error:
        error_to_messages(request, error)
        previews = {}
    previews.pop("preview_b", None)
    return render(
        request,
        "crm_core/marketing/mailing.html",
        {
            "mailing": mailing,
            "figures": mailing_figures(mailing),
            "engagement": mailing_engagement(mailing),
            "variants": mailing_variants(mailing) if mailing.test_share else [],
            "recipients": mailing.recipients.select_related("contact")[:100],
            "may_run": may_run_campaigns(request.user),
            **previews,
        },
    )


ACTIONS = {
    "start": (mailing_start, _("The mailing is on its way.")),
    "pause": (mailing_pause, _("The mailing is paused.")),
    "resume": (mailing_resume, _("The mailing goes on.")),
    "cancel": (mailing_cancel, _("The mailing is cancelled.")),
    "winner": (mailing_winner, _("The better variant goes to the rest.")),
}


@require_POST
def mailing_action(request: StaffRequest, pk: int, action: str) -> HttpResponse:
    mailing = mailing_get_for_user(user=request.user, pk=pk)
    do, said = ACTIONS[action]
    try:
        done = do(actor=request.user, mailing=mailing)
    except ValidationError as error:
        error_to_messages(request, error)
    else:
        if isinstance(done, Mailing) and done.status == Mailing.Status.SCHEDULED:
            said = _("The mailing is scheduled.")
        messages.success(request, str(said))
    return redirect("mailing_detail", mailing.pk)


@csrf_exempt  # the signed link is the credential; mail providers post the one click bare
def email_preferences(request: HttpRequest, token: str) -> HttpResponse:
    """The recipient's page from the unsubscribe link: one click (RFC 8058's POST
    `List-Unsubscribe=One-Click`) unsubscribes; the page shows and saves their channels."""
    recipient = recipient_from_link(token)
    if recipient is None:
        return render(request, "crm_core/marketing/preferences_invalid.html", status=404)
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        unsubscribe(recipient=recipient)
        return HttpResponse(_("You are unsubscribed."), content_type="text/plain")
    contact = recipient.contact
    form = PreferencesForm(
        request.POST or None,
        initial={
            "email": contact.consent_email,
            "sms": contact.consent_sms,
            "calls": contact.consent_calls,
        },
    )
    saved = False
    if request.method == "POST" and "unsubscribe" in request.POST:
        unsubscribe(recipient=recipient)
        saved = True
    elif request.method == "POST" and form.is_valid():
        preferences_save(recipient=recipient, **form.cleaned_data)
        saved = True
    if saved:
        contact.refresh_from_db()
        form = PreferencesForm(
            initial={
                "email": contact.consent_email,
                "sms": contact.consent_sms,
                "calls": contact.consent_calls,
            }
        )
    return render(
        request,
        "crm_core/marketing/preferences.html",
        {"form": form, "email": recipient.email, "company": company_name(), "saved": saved},
    )


# a transparent 1×1 GIF
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


def mailing_open(request: HttpRequest, token: str) -> HttpResponse:
    """The message's pixel: counts an opening; the same image for any token."""
    track_open(token)
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store"
    return response


def mailing_click(request: HttpRequest, token: str, link: int) -> HttpResponse:
    """A tracked link: counts the click and goes on to the link's own address (only that:
    the address is the mailing's, never one the request names)."""
    url = track_click(token, link)
    if url is None:
        return render(request, "crm_core/marketing/preferences_invalid.html", status=404)
    return redirect(url)


@csrf_exempt  # the provider's signature is the credential
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """The SMS provider's delivery report for one message, at this company's address (the
    one each message gave it), refused with 403 unless the provider signed it."""
    found = sms_report(
        url=tenant_url(request.path),
        fields={name: request.POST.getlist(name) for name in request.POST},
        signature=request.headers.get("X-Twilio-Signature", ""),
    )
    return HttpResponse(status=403 if found is None else 204)
