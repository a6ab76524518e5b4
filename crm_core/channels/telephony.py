"""Telephony: the phone system's call events become calls on the client's timeline.

Two ways in, one path after them (`call_event_apply`):
- Tenantly's own webhook, for any phone system that can post JSON: `POST /hooks/calls/` on the
  company's address, signed in `X-Tenantly-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<t>.<body>" keyed by the company's call secret>` (the scheme Stripe's webhooks use, so that
  a replayed request is refused by its time).
- Twilio Voice's status callbacks (`POST /hooks/calls/twilio/`, form fields CallSid,
  CallStatus, Direction, From, To, CallDuration, RecordingUrl; signed in X-Twilio-Signature
  with the company's auth token). Click-to-call goes through Twilio's Calls API: it rings the
  colleague's line first and then dials the client, with the company's number shown.

An event finds the client by the number in any format (or makes a lead), pops a notification
on the colleague's screen while the phone rings, and when the call ends logs it (direction,
duration, recording, colleague) and makes the call rule's task (a missed call: call back)."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm_core.activities.models import Channel, Interaction
from crm_core.activities.models import Direction as InteractionDirection
from crm_core.activities.services import interaction_log
from crm_core.channels.models import Call, CallEventRecord, PhoneLine, Telephony
from crm_core.common.sealed import seal, unseal
from crm_core.common.services import phone_normalise
from crm_core.common.system_text import SystemText
from crm_core.common.twilio import twilio_signature_valid
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from tenants.identity.models import User
from tenants.identity.selectors.users import company_owner
from tenants.links import tenant_url
from tenants.queue import enqueue_after_commit

RINGING, ANSWERED, ENDED, MISSED, RECORDING = "ringing", "answered", "ended", "missed", "recording"
EVENT_KINDS = (RINGING, ANSWERED, ENDED, MISSED, RECORDING)
WEBHOOK, TWILIO = Telephony.Provider.WEBHOOK, Telephony.Provider.TWILIO
# Twilio's call states, as our events
TWILIO_STATES = {
    "ringing": RINGING,
    "in-progress": ANSWERED,
    "completed": ENDED,
    "busy": MISSED,
    "no-answer": MISSED,
    "canceled": MISSED,
    "failed": MISSED,
}


class DialError(Exception):
    """The phone system refused to place the call; the text says why."""


@dataclass(frozen=True)
class CallEvent:
    """One thing the phone system says of a call, as either way in reads it."""

    provider: str
    call_id: str
    kind: str  # one of EVENT_KINDS
    direction: str  # Call.Direction
    number: str = ""  # the client's, as the phone system wrote it
    line: str = ""  # the colleague's extension, number or softphone identity
    at: datetime | None = None
    duration_seconds: int | None = None
    recording_url: str = ""


# --- the company's phone system ----------------------------------------------------------------
def telephony_get() -> Telephony:
    """The company's phone system settings (made on first use, with a fresh call secret)."""
    telephony = Telephony.objects.select_related("lead_owner").first()
    if telephony is None:
        telephony = Telephony.objects.create(secret=secrets.token_urlsafe(32))
    return telephony


def telephony_secret() -> tuple[str, str]:
    """The phone system's kind and call secret, read as cheaply as can be (every event)."""
    found = Telephony.objects.values_list("provider", "secret").first()
    if found is None:
        telephony = telephony_get()
        return telephony.provider, telephony.secret
    return found


TELEPHONY_FIELDS = ("provider", "account", "token", "number", "lead_owner")


@transaction.atomic
def telephony_save(*, actor: User, data: dict[str, Any]) -> Telephony:
    """Owners and administrators set the phone system; a blank token keeps the stored one."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators set up the phone system."))
    telephony = telephony_get()
    errors: dict[str, list[str]] = {}
    provider = data.get("provider", telephony.provider)
    if provider not in Telephony.Provider.values:
        errors["provider"] = [_("Choose a phone system.")]
    number = (data.get("number") or "").strip()
    normalised = phone_normalise(number) if number else ""
    if number and normalised is None:
        errors["number"] = [_("“%(value)s” is not a phone number.") % {"value": number}]
    owner = data.get("lead_owner")
    if owner is not None and (not owner.is_active or not owner.is_staff_member):
        errors["lead_owner"] = [_("Choose an active colleague.")]
    account = (data.get("account") or "").strip()
    token = data.get("token") or ""
    if provider == TWILIO and not account:
        errors["account"] = [_("Twilio needs the account SID.")]
    if provider == TWILIO and not (token or telephony.token_sealed):
        errors["token"] = [_("Twilio needs the account's auth token.")]
    if errors:
        raise ValidationError(errors)
    telephony.provider = provider
    telephony.account = account
    telephony.number = normalised or ""
    telephony.lead_owner = owner
    if token:
        telephony.token_sealed = seal(token)
    telephony.save()
    return telephony


def telephony_secret_renew(*, actor: User) -> Telephony:
    """A new call secret: events signed with the old one are refused from now on."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators set up the phone system."))
    telephony = telephony_get()
    telephony.secret = secrets.token_urlsafe(32)
    telephony.save(update_fields=["secret", "updated_at"])
    return telephony


def phone_line_add(*, actor: User, user: User, line: str) -> PhoneLine:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators set up the phone system."))
    line = line.strip()
    if not line:
        raise ValidationError({"line": [_("Enter the extension or number.")]})
    if not user.is_active or not user.is_staff_member:
        raise ValidationError({"user": [_("Choose an active colleague.")]})
    # a number is kept in one form, so that "+7 916…" and "8 916…" are one line
    line = (phone_normalise(line) if len(line) > 6 else None) or line
    if PhoneLine.objects.filter(line=line).exists():
        raise ValidationError({"line": [_("This line is someone's already.")]})
    return PhoneLine.objects.create(user=user, line=line[:64])


def phone_line_remove(*, actor: User, line: PhoneLine) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators set up the phone system."))
    line.delete()


# --- signatures ---------------------------------------------------------------------------------
def webhook_signature(secret: str, body: bytes, at: int) -> str:
    """The header value a phone system sends: `t=<at>,v1=<hex HMAC-SHA256 of "<at>.<body>">`."""
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def webhook_signature_valid(*, secret: str, body: bytes, header: str) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    stamp = parts.get("t", "")
    if not stamp.isdigit() or not secret:
        return False
    if abs(time.time() - int(stamp)) > settings.CALL_EVENT_TOLERANCE_SECONDS:
        return False
    expected = webhook_signature(secret, body, int(stamp)).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def twilio_request_valid(
    *, telephony: Telephony, url: str, fields: dict[str, list[str]], signature: str
) -> bool:
    if telephony.provider != TWILIO:
        return False
    return twilio_signature_valid(
        token=unseal(telephony.token_sealed), url=url, fields=fields, signature=signature
    )


def twilio_event(fields: dict[str, list[str]]) -> CallEvent | None:
    """A Twilio status callback as our event (None: a state we keep nothing of, as queued)."""

    def field(name: str) -> str:
        return (fields.get(name) or [""])[0]

    inbound = field("Direction") == "inbound"
    client, line = (field("From"), field("To")) if inbound else (field("To"), field("From"))
    duration = field("CallDuration")
    if field("RecordingUrl"):
        kind: str | None = RECORDING
    else:
        kind = TWILIO_STATES.get(field("CallStatus"))
    if kind is None or not field("CallSid"):
        return None
    return CallEvent(
        provider=TWILIO,
        call_id=field("CallSid"),
        kind=kind,
        direction=Call.Direction.INBOUND if inbound else Call.Direction.OUTBOUND,
        number=client,
        line=line,
        duration_seconds=int(duration) if duration.isdigit() else None,
        recording_url=field("RecordingUrl"),
    )


# --- events -----------------------------------------------------------------------------------
def _colleague_on(line: str) -> User | None:
    if not line:
        return None
    forms = {line, phone_normalise(line) or line}
    found = PhoneLine.objects.select_related("user").filter(line__in=forms).first()
    if found is None or not found.user.is_active:
        return None
    return found.user


def _lead_owner(telephony: Telephony, staff: User | None) -> User | None:
    for candidate in (staff, telephony.lead_owner):
        if candidate is not None and candidate.is_active and candidate.is_staff_member:
            return candidate
    return company_owner()


def _caller(
    normalised: str | None, telephony: Telephony, staff: User | None
) -> tuple[Contact | None, bool]:
    """The client with this (normalised) number, or a new lead; (None, False) for a hidden or
    unreadable number."""
    if normalised is None:
        return None, False
    contact = (
        Contact.objects.select_related("owner", "company")
        .filter(phones__contains=[normalised], archived_at=None)
        .order_by("id")
        .first()
    )
    if contact is not None:
        return contact, False
    owner = _lead_owner(telephony, staff)
    if owner is None or PhoneLine.objects.filter(line=normalised).exists():
        return None, False  # no one to own a lead, or a colleague's own phone
    try:
        with translation.override(owner.language or settings.LANGUAGE_CODE):
            contact = contact_create(
                actor=owner,
                data={"first_name": _("Caller"), "last_name": normalised, "phones": [normalised]},
                allow_duplicate=True,
            )
    except ValidationError:
        return None, False  # the plan's contacts are all used: the call is kept all the same
    return contact, True


def _call_for(event: CallEvent, telephony: Telephony) -> tuple[Call, bool]:
    """The call this event is of, locked; made (client found or made) by its first event."""
    call = (
        Call.objects.select_for_update()
        .filter(provider=event.provider, external_id=event.call_id)
        .first()
    )
    if call is not None:
        return call, False
    staff = _colleague_on(event.line)
    normalised = phone_normalise(event.number) if event.number else None
    contact, lead = _caller(normalised, telephony, staff)
    try:
        with transaction.atomic():
            call = Call.objects.create(
                provider=event.provider,
                external_id=event.call_id,
                direction=event.direction,
                state=Call.State.RINGING,
                number=(normalised or event.number)[:32],
                line=event.line[:64],
                contact=contact,
                staff=staff,
                lead_created=lead,
                started_at=event.at or timezone.now(),
            )
    except IntegrityError:
        # the same call's other event made it a moment ago
        return Call.objects.select_for_update().get(
            provider=event.provider, external_id=event.call_id
        ), False
    return call, True


def _ring(call: Call) -> None:
    """Tell whoever's phone rings (the line's colleague, else the client's owner) who calls."""
    contact = call.contact
    recipient = call.staff or (contact.owner if contact is not None else None)
    notify(
        recipients=[recipient],
        kind=Notification.Kind.CALL_RINGING,
        params={
            "caller": contact.full_name if contact else _("Unknown caller"),
            "number": call.number,
        },
        url=reverse("contact_detail", args=[contact.pk]) if contact else reverse("call_list"),
    )


def _subject(call: Call) -> SystemText:
    if call.state == Call.State.MISSED:
        if call.direction == Call.Direction.INBOUND:
            return SystemText(gettext_noop("Missed call"))
        return SystemText(gettext_noop("Outbound call, not answered"))
    duration = call.duration_shown or "0:00"
    if call.direction == Call.Direction.INBOUND:
        return SystemText(gettext_noop("Inbound call, %(duration)s"), {"duration": duration})
    return SystemText(gettext_noop("Outbound call, %(duration)s"), {"duration": duration})


def _log(call: Call) -> None:
    """The ended call on the client's timeline, once, with the call rule's task."""
    if call.contact is None or call.interaction_id is not None:
        return
    seconds = call.duration_seconds or 0
    logged = interaction_log(
        actor=call.staff,
        contact=call.contact,
        data={
            "channel": Channel.CALL,
            "direction": (
                InteractionDirection.INBOUND
                if call.direction == Call.Direction.INBOUND
                else InteractionDirection.OUTBOUND
            ),
            "occurred_at": call.started_at,
            "duration_minutes": math.ceil(seconds / 60) if seconds else None,
            "subject": _subject(call),
            "notes": call.recording_url,
        },
        staff=[call.staff] if call.staff else None,
        missed_call=call.state == Call.State.MISSED,
    )
    call.interaction = logged.interaction


@transaction.atomic
def call_event_apply(event: CallEvent) -> Call:
    """Apply one event to its call: idempotent (a repeated event changes nothing) and in any
    order (a late "answered" after "ended" is ignored; a recording may come last)."""
    if event.kind not in EVENT_KINDS:
        raise ValidationError({"event": [_("Unknown event.")]})
    telephony = telephony_get()
    call, made = _call_for(event, telephony)
    at = event.at or timezone.now()
    over = call.state in (Call.State.ENDED, Call.State.MISSED)
    if event.recording_url:
        call.recording_url = event.recording_url[:1000]
        if call.interaction_id is not None:
            # the recording came after the call was logged: its link goes on the logged call
            Interaction.objects.filter(pk=call.interaction_id).update(notes=call.recording_url)
    if event.kind == ANSWERED and not over:
        call.state, call.answered_at = Call.State.ANSWERED, call.answered_at or at
        # a call rung to a group is the colleague's who picked it up
        call.staff = _colleague_on(event.line) or call.staff
    elif event.kind in (ENDED, MISSED) and not over:
        answered = call.answered_at is not None or (event.duration_seconds or 0) > 0
        call.state = Call.State.ENDED if event.kind == ENDED and answered else Call.State.MISSED
        call.ended_at = at
        if call.state == Call.State.ENDED:
            call.duration_seconds = (
                event.duration_seconds
                if event.duration_seconds is not None
                else int((at - (call.answered_at or call.started_at)).total_seconds())
            )
        _log(call)
    call.save()
    if made and event.kind == RINGING and call.direction == Call.Direction.INBOUND:
        _ring(call)
    return call


# --- received now, applied by a worker -----------------------------------------------------------
RETRY_AFTER = timedelta(minutes=1)


@transaction.atomic
def call_event_receive(event: CallEvent) -> CallEventRecord:
    """Keep the event and hand it to a worker once this commits: the phone system has its
    answer in a few milliseconds, however busy the company's phones are. The commit does not
    wait for the disk (`synchronous_commit` off for this transaction alone): should PostgreSQL
    itself crash, the events of its last fraction of a second may be lost, never half
    written, the trade every high-rate intake makes for its speed."""
    if event.kind not in EVENT_KINDS:
        raise ValidationError({"event": [_("Unknown event.")]})
    fields = asdict(event)
    fields["at"] = event.at.isoformat() if event.at else timezone.now().isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
    record = CallEventRecord.objects.create(provider=event.provider, event=fields)
    enqueue_after_commit("crm_core.channels.tasks.call_event_job", record.pk)
    return record


@transaction.atomic
def call_event_process(*, record_id: int) -> Call | None:
    """Apply a received event to its call, once (None: another worker has it, or had it)."""
    record = (
        CallEventRecord.objects.select_for_update(skip_locked=True)
        .filter(pk=record_id, processed_at=None)
        .first()
    )
    if record is None:
        return None
    fields = dict(record.event)
    fields["at"] = datetime.fromisoformat(fields["at"]) if fields.get("at") else None
    call = call_event_apply(CallEvent(**fields))
    record.processed_at = timezone.now()
    record.save(update_fields=["processed_at"])
    return call


def call_events_retry() -> int:
    """Events a minute old that no worker applied (their job was lost): applied now."""
    waiting = CallEventRecord.objects.filter(
        processed_at=None, received_at__lt=timezone.now() - RETRY_AFTER
    ).order_by("received_at", "id")
    done = 0
    for record_id in waiting.values_list("pk", flat=True)[:1000]:
        done += call_event_process(record_id=record_id) is not None
    return done


# --- click-to-call ----------------------------------------------------------------------------
def call_dial(*, actor: User, contact: Contact, number: str) -> Call:
    """Place a call through the PBX's API: the colleague's own line rings first, and when they
    pick up the client's number is dialled, showing the company's number."""
    telephony = telephony_get()
    if not telephony.can_dial:
        raise ValidationError(
            _("Calls are placed from your phone: the phone system has no API set up.")
        )
    normalised = phone_normalise(number)
    if normalised is None or normalised not in contact.phones:
        raise ValidationError({"number": [_("Choose one of the contact's numbers.")]})
    line = PhoneLine.objects.filter(user=actor).order_by("id").first()
    own = phone_normalise(line.line) if line else None
    if line is None or own is None:
        raise ValidationError(
            _("You have no phone number on the phone system; an administrator adds it.")
        )
    twiml = (
        f'<Response><Dial callerId="{telephony.number}"><Number>{normalised}</Number></Dial>'
        "</Response>"
    )
    try:
        response = requests.post(
            f"{settings.TWILIO_API_URL.rstrip('/')}/2010-04-01/Accounts/{telephony.account}/Calls.json",
            data=[
                ("To", own),
                ("From", telephony.number),
                ("Twiml", twiml),
                ("StatusCallback", tenant_url(reverse("call_event_twilio"))),
                *[("StatusCallbackEvent", name) for name in ("ringing", "answered", "completed")],
            ],
            auth=(telephony.account, unseal(telephony.token_sealed)),
            timeout=10,
        )
        answer = response.json() if response.content else {}
    except (requests.RequestException, ValueError) as error:
        raise DialError(str(error)) from error
    if response.status_code >= 400 or not answer.get("sid"):
        raise DialError(str(answer.get("message") or f"HTTP {response.status_code}"))
    call, _made = Call.objects.update_or_create(
        provider=TWILIO,
        external_id=str(answer["sid"]),
        defaults={"contact": contact, "staff": actor, "number": normalised, "line": line.line},
        create_defaults={
            "contact": contact,
            "staff": actor,
            "number": normalised,
            "line": line.line,
            "direction": Call.Direction.OUTBOUND,
            "state": Call.State.DIALING,
            "started_at": timezone.now(),
        },
    )
    return call
