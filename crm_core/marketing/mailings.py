"""Mailings: a campaign's email to its members. The subject and HTML body take merge fields
(Jinja in its sandbox, checked on save with the line), the plain-text part is made from the
HTML; starting freezes the recipients (members who agreed to emails, have an address and are
not suppressed; the others counted by reason); workers send in batches through Django's email
backend (any SMTP server by EMAIL_URL), each recipient claimed before it is sent, so that none
is sent twice; every message carries List-Unsubscribe and List-Unsubscribe-Post (RFC 8058),
whose signed link unsubscribes in one click and opens the recipient's preference page."""

from __future__ import annotations

import contextlib
import dataclasses
import html
import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from jinja2 import Template, TemplateError, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from crm_core.activities.services import interaction_log
from crm_core.common.services import unknown_fields_refuse
from crm_core.common.system_text import SystemText
from crm_core.deals.models import Deal
from crm_core.jobs.running import STOPPED_AFTER, session_named, sessions_alive
from crm_core.marketing.models import (
    Campaign,
    CampaignMember,
    Mailing,
    MailingLink,
    MailingRecipient,
    Suppression,
)
from crm_core.marketing.services import (
    campaigns_visible,
    may_run_check,
    member_reach,
    members_visible,
)
from crm_core.marketing.sms import SmsError, Twilio, sms_provider
from crm_core.parties.models import TIME_ZONES, Contact
from tenants.identity.models import User
from tenants.identity.services.links import link_read, link_sign
from tenants.links import company_name, tenant_url
from tenants.queue import enqueue_after_commit
from tenants.typing import connection

logger = logging.getLogger(__name__)

# what a mailing may name: {{ contact.first_name }}, {{ unsubscribe_url }}...
MAIL_FIELDS: dict[str, tuple[str, ...] | None] = {
    "contact": ("first_name", "last_name", "full_name", "email"),
    "company": ("name",),
    "campaign": ("name",),
    "sender": ("name",),
    "unsubscribe_url": None,
}
MAILING_FIELDS = {
    "subject",
    "body",
    "language",
    "from_name",
    "subject_b",
    "body_b",
    "test_share",
    "winner_by",
    "test_hours",
    "send_at",
    "window_from",
    "window_to",
    "time_zone",
    "channel",
}
TEXT_FIELDS = ("subject", "body", "language", "from_name", "subject_b", "body_b")
BATCH = 100
UNSUBSCRIBE = "mailing.unsubscribe"
TRACK = "mailing.track"
# an <a> tag's opening up to its href's value (group 2)
LINK = re.compile(r'(<a\s[^>]*?href=)"([^"]*)"', re.IGNORECASE)
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600


def _environment(*, markup: bool = True) -> SandboxedEnvironment:
    """Jinja in its sandbox: values escaped for an email's HTML, left as they are in an SMS."""
    return SandboxedEnvironment(autoescape=markup)


def _problems(text: str) -> list[str]:
    """Broken syntax or a name that is not a merge field, each with its line."""
    try:
        tree = _environment().parse(text)
    except TemplateSyntaxError as error:
        return [_("Line %(line)s: %(problem)s") % {"line": error.lineno, "problem": error.message}]
    problems = []
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in MAIL_FIELDS:
            problems.append((name.lineno, name.name))
    for found in tree.find_all(nodes.Getattr):
        if isinstance(found.node, nodes.Name) and found.node.name in MAIL_FIELDS:
            allowed = MAIL_FIELDS[found.node.name] or ()
            if found.attr not in allowed:
                problems.append((found.lineno, f"{found.node.name}.{found.attr}"))
    return [
        _("Line %(line)s: %(problem)s")
        % {"line": line, "problem": _("“%(name)s” is not a merge field.") % {"name": name}}
        for line, name in sorted(set(problems))
    ]


def mailing_check(subject: str, body: str, channel: str = Mailing.Channel.EMAIL) -> None:
    """The subject (an email's) and the message are there and name only merge fields."""
    errors = {}
    texts = (
        [("body", body)]
        if channel == Mailing.Channel.SMS
        else [("subject", subject), ("body", body)]
    )
    for field, text in texts:
        if not text.strip():
            errors[field] = [_("This field is required.")]
        elif problems := _problems(text):
            errors[field] = problems
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def mailing_save(
    *, actor: User, campaign: Campaign, mailing: Mailing | None, data: dict[str, Any]
) -> Mailing:
    """A draft; a merge field that is not one, or broken syntax, is refused with its line."""
    may_run_check(actor)
    unknown_fields_refuse(data, MAILING_FIELDS)
    row = mailing or Mailing(campaign=campaign, created_by=actor)
    if row.status != Mailing.Status.DRAFT:
        raise ValidationError({"status": [_("Only a draft is edited.")]})
    merged = {key: data.get(key, getattr(row, key)) for key in MAILING_FIELDS}
    merged["language"] = merged["language"] or actor.language or settings.LANGUAGE_CODE
    if merged["language"] not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the languages.")]})
    if merged["channel"] not in Mailing.Channel.values or (
        mailing is not None and merged["channel"] != mailing.channel
    ):
        raise ValidationError({"channel": [_("Choose email or SMS (it stays as created).")]})
    mailing_check(str(merged["subject"] or ""), str(merged["body"] or ""), merged["channel"])
    if merged["channel"] == Mailing.Channel.SMS:
        _sms_check(merged)
    _test_check(merged)
    _schedule_check(merged)
    for key in TEXT_FIELDS:
        setattr(row, key, merged[key] or "")
    row.test_share = int(merged["test_share"] or 0)
    row.test_hours = int(merged["test_hours"] or 0)
    row.winner_by = merged["winner_by"]
    row.channel = merged["channel"]
    row.send_at, row.time_zone = merged["send_at"], merged["time_zone"]
    row.window_from, row.window_to = merged["window_from"], merged["window_to"]
    row.save()
    return row


def _sms_check(merged: dict[str, Any]) -> None:
    """An SMS: no A/B test, and a sender name the networks take (a number, or up to 11
    Latin letters and digits)."""
    if merged["test_share"] or merged["subject_b"] or merged["body_b"]:
        raise ValidationError({"test_share": [_("An SMS mailing has no A/B test.")]})
    sender = str(merged["from_name"] or "")
    if sender and not re.fullmatch(r"\+?[0-9]{3,15}|[A-Za-z0-9 ]{1,11}", sender):
        raise ValidationError(
            {"from_name": [_("A sender is a number or up to 11 Latin letters and digits.")]}
        )


def _schedule_check(merged: dict[str, Any]) -> None:
    """A time to send at still ahead (or none); a send window of whole hours, from before to,
    within one day (or none); a time zone by its IANA name."""
    errors: dict[str, list[str]] = {}
    send_at = merged["send_at"]
    if send_at is not None and (
        not isinstance(send_at, datetime) or timezone.is_naive(send_at) or send_at < timezone.now()
    ):
        errors["send_at"] = [_("Choose a time ahead, or leave it blank to send when started.")]
    start, end = merged["window_from"], merged["window_to"]
    if (start is None) != (end is None):
        errors["window_from"] = [_("Give both hours of the window, or neither.")]
    elif start is not None and not (
        isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= 24
    ):
        errors["window_from"] = [_("The window runs from an hour (0-23) to a later one (1-24).")]
    if merged["time_zone"] not in TIME_ZONES:
        errors["time_zone"] = [_("Choose a time zone such as Europe/Moscow or Asia/Novosibirsk.")]
    if errors:
        raise ValidationError(errors)


def _test_check(merged: dict[str, Any]) -> None:
    """An A/B test: variant B differs in subject or message (each checked like A's), on a
    share of 2-90 % of the recipients, for 1-168 hours, won by openings, clicks or
    conversions."""
    errors: dict[str, list[str]] = {}
    for field in ("subject_b", "body_b"):
        text = str(merged[field] or "")
        if text.strip() and (problems := _problems(text)):
            errors[field] = problems
    share = merged["test_share"] or 0
    variant = str(merged["subject_b"] or "").strip() or str(merged["body_b"] or "").strip()
    if not isinstance(share, int) or share < 0 or (share and not 2 <= share <= 90):
        errors["test_share"] = [_("Test on 2 to 90 percent of the recipients, or 0 for no test.")]
    elif share and not variant:
        errors["subject_b"] = [_("Write variant B's subject or message to test it.")]
    elif variant and not share:
        errors["test_share"] = [_("Choose the share of recipients to test the variants on.")]
    hours = merged["test_hours"] or 0
    if share and (not isinstance(hours, int) or not 1 <= hours <= 168):
        errors["test_hours"] = [_("Test for 1 to 168 hours.")]
    if merged["winner_by"] not in Mailing.WinnerBy.values:
        errors["winner_by"] = [_("Choose openings, clicks or conversions.")]
    if errors:
        raise ValidationError(errors)


def mailing_get_for_user(*, user: User, pk: int) -> Mailing:
    """A mailing of a campaign `user` sees; the same 404 for missing and forbidden."""
    mailing = (
        Mailing.objects.filter(campaign__in=campaigns_visible(user=user))
        .select_related("campaign")
        .filter(pk=pk)
        .first()
    )
    if mailing is None:
        raise Http404
    return mailing


# --- Writing a message ---------------------------------------------------------------------------


def _values(
    mailing: Mailing, contact: Contact | None, email: str, unsubscribe: str, sender: str
) -> dict:
    return {
        "contact": {
            "first_name": contact.first_name if contact else "Anna",
            "last_name": contact.last_name if contact else "Petrova",
            "full_name": str(contact) if contact else "Anna Petrova",
            "email": email,
        },
        "company": {"name": contact.company.name if contact and contact.company else ""},
        "campaign": {"name": mailing.campaign.name},
        "sender": {"name": sender},
        "unsubscribe_url": unsubscribe,
    }


def text_of(markup: str) -> str:
    """The plain-text part of an HTML message: its text, a line per block, links kept."""
    marked = re.sub(r'<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", markup, flags=re.S)
    marked = re.sub(r"<br\s*/?>|</(p|div|h[1-6]|li|tr)>", "\n", marked, flags=re.I)
    lines = (line.strip() for line in html.unescape(strip_tags(marked)).splitlines())
    return "\n".join(line for line in lines if line).strip() + "\n"


@lru_cache(maxsize=64)
def _compiled(text: str, markup: bool = True) -> Template:
    """A message's text compiled once (per worker) for all its recipients."""
    return _environment(markup=markup).from_string(text)


def _fill(mailing: Mailing, texts: list[str], values: dict, *, markup: bool = True) -> list[str]:
    """`texts` of the mailing filled with `values` in its language; a value that fails at
    run time is refused, saying what failed."""
    try:
        with translation.override(mailing.language):
            return [_compiled(text, markup).render(values) for text in texts]
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise ValidationError(
            {"body": [_("The message cannot be filled: %(problem)s") % {"problem": error}]}
        ) from None


def sms_render(mailing: Mailing, contact: Contact | None, *, sender: str = "") -> str:
    """The text of an SMS to one recipient (made-up values without a contact)."""
    values = _values(mailing, contact, "", "", sender or mailing.from_name or company_name())
    [text] = _fill(mailing, [mailing.body], values, markup=False)
    return text.strip()


def message_render(
    mailing: Mailing,
    contact: Contact | None,
    email: str,
    unsubscribe: str,
    variant: str = "a",
    *,
    sender: str = "",
) -> tuple[str, str, str]:
    """The subject, HTML and text of the message to one recipient (made-up values without a
    contact, for the preview), of variant A or B; a value that fails at run time is refused
    with its line."""
    values = _values(
        mailing, contact, email, unsubscribe, sender or mailing.from_name or company_name()
    )
    b = variant == "b"
    subject, markup = _fill(
        mailing,
        [
            (mailing.subject_b if b else "") or mailing.subject,
            (mailing.body_b if b else "") or mailing.body,
        ],
        values,
    )
    subject = " ".join(subject.split())  # a header is one line
    return subject, markup, text_of(markup)


def unsubscribe_token(recipient: MailingRecipient) -> str:
    return link_sign(purpose=UNSUBSCRIBE, claims={"r": recipient.pk})


def unsubscribe_link(recipient: MailingRecipient, root: str = "") -> str:
    """The recipient's signed preference page (`root`: the company's address, when known)."""
    path = reverse("email_preferences", args=[unsubscribe_token(recipient)])
    return f"{root}{path}" if root else tenant_url(path)


def recipient_from_link(token: str) -> MailingRecipient | None:
    data = link_read(token, purpose=UNSUBSCRIBE, max_age=UNSUBSCRIBE_MAX_AGE)
    if data is None or not isinstance(data.get("r"), int):
        return None
    return (
        MailingRecipient.objects.select_related("contact", "mailing__campaign")
        .filter(pk=data["r"])
        .first()
    )


# --- Starting, sending, stopping ---------------------------------------------------------------


def mailing_start(*, actor: User, mailing: Mailing) -> Mailing:
    """Send it: at once, freezing the recipients (the campaign's members `actor` sees who
    agreed to emails, have an address and are not suppressed; the others counted by reason)
    and queueing the sending; or, with a time to send at still ahead, scheduled (frozen then,
    by the beat, as `actor` sees them)."""
    may_run_check(actor)
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().select_related("campaign").get(pk=mailing.pk)
        if mailing.status != Mailing.Status.DRAFT:
            raise ValidationError({"status": [_("It has already been started.")]})
        mailing.started_by = actor
        if mailing.channel == Mailing.Channel.SMS and sms_provider() is None:
            raise ValidationError(
                {"channel": [_("No SMS provider is set up (SMS_PROVIDER): ask the operator.")]}
            )
        if mailing.send_at and mailing.send_at > timezone.now():
            mailing.status = Mailing.Status.SCHEDULED
            mailing.save(update_fields=["status", "started_by"])
            return mailing
        if not _freeze(mailing, actor, timezone.now()):
            raise ValidationError({"status": [_("Nobody to send it to.")]})
        mailing.status = Mailing.Status.SENDING
        mailing.started_at = timezone.now()
        mailing.save(update_fields=["status", "started_at", "left_out", "started_by"])
        _queue(mailing)
    return mailing


def _freeze(mailing: Mailing, actor: User, now: datetime) -> int:
    """Take the recipients into the mailing (their send windows set) and count who was left
    out, by reason; returns how many were taken."""
    members = members_visible(campaign=mailing.campaign, user=actor).order_by()
    sms = mailing.channel == Mailing.Channel.SMS
    consent, points = ("consent_sms", "phones") if sms else ("consent_email", "emails")
    counts = members.aggregate(
        everyone=Count("pk"),
        no_consent=Count("pk", filter=Q(**{f"contact__{consent}": False})),
        no_address=Count("pk", filter=Q(**{f"contact__{consent}": True, f"contact__{points}": []})),
    )
    chosen = members.filter(**{f"contact__{consent}": True}).exclude(**{f"contact__{points}": []})
    sql, params = chosen.values("contact_id").query.sql_with_params()
    # an email to the first address unless suppressed; an SMS to the first phone
    address = (
        "'', c.phones[1] FROM crm_core_contact c WHERE c.id IN ({sql})"
        if sms
        else "lower(c.emails[1]), '' FROM crm_core_contact c WHERE c.id IN ({sql}) "
        "AND lower(c.emails[1]) NOT IN (SELECT email FROM crm_core_suppression)"
    ).format(sql=sql)
    with connection.cursor() as cursor:
        cursor.execute(
            # the ORM's own SQL of the members, its values as parameters
            "INSERT INTO crm_core_mailingrecipient (mailing_id, contact_id, status, reason, "  # noqa: S608
            "opens, clicks, variant, claim, provider_id, email, phone) "
            f"SELECT %s, c.id, %s, '', 0, 0, 'a', '', '', {address}",
            [mailing.pk, MailingRecipient.Status.QUEUED, *params],
        )
        taken = cursor.rowcount
    mailing.left_out = {
        "no_consent": counts["no_consent"],
        "no_phone" if sms else "no_email": counts["no_address"],
        "suppressed": counts["everyone"] - counts["no_consent"] - counts["no_address"] - taken,
    }
    if taken and mailing.window_from is not None and mailing.window_to is not None:
        _windows_set(mailing, now)
    if taken and mailing.test_share:
        _test_split(mailing, taken)
    return taken


def _windows_set(mailing: Mailing, now: datetime, *, only_missed: bool = False) -> None:
    """Each recipient's next send window in their own day (their contact's time zone, else
    the mailing's): from now if they are in it, else from its next start; `only_missed`: just
    the queued ones whose window went by unsent, moved to their next one."""
    local = "(%(now)s::timestamptz AT TIME ZONE z.tz)"
    day = f"date_trunc('day', {local})"
    start = f"({day} + make_interval(hours => %(start)s))"
    end = f"({day} + make_interval(hours => %(end)s))"
    hour = f"extract(hour FROM {local})"
    missed = "AND r.status = %(queued)s AND r.not_after <= %(now)s" if only_missed else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_core_mailingrecipient r SET "  # noqa: S608 (our own SQL pieces only)
            f"not_before = CASE WHEN {hour} < %(start)s THEN {start} "
            f"WHEN {hour} >= %(end)s THEN {start} + interval '1 day' "
            f"ELSE {local} END AT TIME ZONE z.tz, "
            f"not_after = CASE WHEN {hour} >= %(end)s THEN {end} + interval '1 day' "
            f"ELSE {end} END AT TIME ZONE z.tz "
            "FROM (SELECT c.id, coalesce(nullif(c.time_zone, ''), %(zone)s) AS tz "
            "FROM crm_core_contact c) AS z "
            f"WHERE r.contact_id = z.id AND r.mailing_id = %(mailing)s {missed}",
            {
                "start": mailing.window_from,
                "end": mailing.window_to,
                "zone": mailing.time_zone,
                "mailing": mailing.pk,
                "queued": MailingRecipient.Status.QUEUED,
                "now": now,
            },
        )


def mailings_due(*, now=None) -> int:
    """The beat's minute: scheduled mailings whose time came are frozen and sent (as their
    starter sees the members; nobody to send to cancels them, saying so); recipients whose
    window went by unsent move to their next one; a mailing with recipients whose window is
    open and no worker on it is handed to workers. Returns how many mailings were handed."""
    now = now or timezone.now()
    handed: set[int] = set()
    for mailing in Mailing.objects.filter(
        status=Mailing.Status.SCHEDULED, send_at__lte=now
    ).select_related("campaign", "started_by"):
        with transaction.atomic():
            starter = mailing.started_by or mailing.created_by
            taken = _freeze(mailing, starter, now) if starter is not None else 0
            mailing.status = Mailing.Status.SENDING if taken else Mailing.Status.CANCELLED
            mailing.started_at = now
            mailing.finished_at = None if taken else now
            mailing.save(update_fields=["status", "started_at", "finished_at", "left_out"])
            if taken:
                _queue(mailing)
                handed.add(mailing.pk)
    for mailing in Mailing.objects.filter(
        status=Mailing.Status.SENDING, window_from__isnull=False
    ).exclude(pk__in=handed):
        queued = MailingRecipient.objects.filter(
            mailing=mailing, status=MailingRecipient.Status.QUEUED
        )
        if queued.filter(not_after__lte=now).exists():
            _windows_set(mailing, now, only_missed=True)
        being_sent = MailingRecipient.objects.filter(
            mailing=mailing, status=MailingRecipient.Status.SENDING
        )
        if queued.filter(not_before__lte=now).exists() and not being_sent.exists():
            with transaction.atomic():
                _queue(mailing)
            handed.add(mailing.pk)
    return len(handed)


def _test_split(mailing: Mailing, taken: int) -> None:
    """Hold every recipient for the winner but the test's share, drawn at random and dealt
    alternately to A and B (at least one each)."""
    test = min(taken, max(2, round(taken * mailing.test_share / 100)))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_core_mailingrecipient SET status = %s, variant = '' WHERE mailing_id = %s",
            [MailingRecipient.Status.HELD, mailing.pk],
        )
        cursor.execute(
            "UPDATE crm_core_mailingrecipient r SET status = %s, "
            "variant = CASE WHEN drawn.n %% 2 = 1 THEN 'a' ELSE 'b' END "
            "FROM (SELECT id, row_number() OVER (ORDER BY random()) AS n "
            "FROM crm_core_mailingrecipient WHERE mailing_id = %s) AS drawn "
            "WHERE r.id = drawn.id AND drawn.n <= %s",
            [MailingRecipient.Status.QUEUED, mailing.pk, test],
        )


def mailing_variants(mailing: Mailing) -> list[dict[str, Any]]:
    """Each variant of an A/B test: recipients sent to, who opened, who clicked, who
    converted (a new deal of theirs since the message went), and the rate of the one the
    winner is chosen by."""
    new_deal = Deal.objects.filter(
        contact_id=OuterRef("contact_id"), created_at__gte=OuterRef("sent_at")
    )
    by = {
        Mailing.WinnerBy.OPENS: "opened",
        Mailing.WinnerBy.CLICKS: "clicked",
        Mailing.WinnerBy.CONVERSIONS: "converted",
    }[Mailing.WinnerBy(mailing.winner_by)]
    rows = []
    for variant in ("a", "b"):
        counts = mailing.recipients.filter(
            variant=variant, status=MailingRecipient.Status.SENT
        ).aggregate(
            sent=Count("pk"),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
            converted=Count("pk", filter=Q(Exists(new_deal))),
        )
        rate = round(100 * counts[by] / counts["sent"], 1) if counts["sent"] else 0.0
        rows.append({"variant": variant, **counts, "rate": rate})
    return rows


def mailing_winner(*, actor: User | None, mailing: Mailing) -> Mailing:
    """End the test: the variant with the better rate (A on a tie) goes to the recipients
    held for it. By the beat once the test's hours are over, or by hand before."""
    if actor is not None:
        may_run_check(actor)
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if mailing.status != Mailing.Status.TESTING:
            raise ValidationError({"status": [_("It is not waiting for an A/B winner.")]})
        a, b = mailing_variants(mailing)
        mailing.winner = "b" if b["rate"] > a["rate"] else "a"
        mailing.status = Mailing.Status.SENDING
        mailing.save(update_fields=["winner", "status"])
        MailingRecipient.objects.filter(
            mailing=mailing, status=MailingRecipient.Status.HELD
        ).update(status=MailingRecipient.Status.QUEUED, variant=mailing.winner)
        _queue(mailing)
    return mailing


def mailings_winners_due(*, now=None) -> int:
    """The tests whose hours are over get their winner sent; returns how many."""
    due = Mailing.objects.filter(
        status=Mailing.Status.TESTING, test_ends_at__lte=now or timezone.now()
    )
    for mailing in due:
        mailing_winner(actor=None, mailing=mailing)
    return len(due)


def _queue(mailing: Mailing) -> None:
    """Hand the sending to MAILING_WORKERS workers once the transaction commits (each claims
    its own batches); if the queue cannot be reached, the mailing waits paused, for its user
    to resume."""

    def unreachable() -> None:
        Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
            status=Mailing.Status.PAUSED
        )

    for _worker in range(max(1, settings.MAILING_WORKERS)):
        enqueue_after_commit(
            "crm_core.marketing.tasks.mailing_send_job", mailing.pk, on_failure=unreachable
        )


@dataclass
class _Sending:
    """What a worker sending a mailing works out once: the company's address for the links,
    the sender's name, the mailing's tracked links so far, and the open mail connection."""

    mailing: Mailing
    smtp: Any
    root: str = dataclasses.field(default_factory=lambda: tenant_url("/").rstrip("/"))
    sender: str = ""
    links: dict[str, MailingLink] = dataclasses.field(default_factory=dict)
    sms: Twilio | None = None  # the SMS provider, for an SMS mailing
    report_to: str = ""  # where the SMS provider reports deliveries

    def __post_init__(self) -> None:
        sms = self.mailing.channel == Mailing.Channel.SMS
        self.sender = self.mailing.from_name or (settings.SMS_SENDER if sms else company_name())
        self.sms = sms_provider() if sms else None
        self.report_to = f"{self.root}{reverse('sms_status')}"

    def send(self, recipient: MailingRecipient) -> str:
        """Send the recipient's message: an email, or an SMS through the provider (whose id
        of it is returned)."""
        if self.mailing.channel == Mailing.Channel.EMAIL:
            self.message(recipient).send()
            return ""
        if self.sms is None:
            raise SmsError(gettext_noop("No SMS provider is set up."))
        return self.sms.send(
            to=recipient.phone,
            text=sms_render(self.mailing, recipient.contact, sender=self.sender),
            sender=self.sender,
            report_to=self.report_to,
        )

    def tracked(self, markup: str, recipient: MailingRecipient, unsubscribe: str) -> str:
        """The message with each web link going through its counting redirect, and a pixel
        counting the opening (the unsubscribe link stays as it is); one signed token of the
        recipient serves them all, the link named beside it."""
        token = link_sign(purpose=TRACK, claims={"r": recipient.pk})

        def through(found: re.Match) -> str:
            url = html.unescape(found.group(2))
            if url == unsubscribe or not url.startswith(("http://", "https://")) or len(url) > 2000:
                return found.group(0)
            if url not in self.links:
                self.links[url], _created = MailingLink.objects.get_or_create(
                    mailing_id=recipient.mailing_id, url=url
                )
            click = reverse("mailing_click", args=[token, self.links[url].pk])
            return f'{found.group(1)}"{self.root}{click}"'

        markup = LINK.sub(through, markup)
        pixel = f"{self.root}{reverse('mailing_open', args=[token])}"
        return f'{markup}\n<img src="{pixel}" width="1" height="1" alt="">'

    def message(self, recipient: MailingRecipient) -> EmailMultiAlternatives:
        mailing = self.mailing
        link = unsubscribe_link(recipient, self.root)
        subject, markup, text = message_render(
            mailing, recipient.contact, recipient.email, link, recipient.variant, sender=self.sender
        )
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=formataddr((self.sender, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
            to=[recipient.email],
            connection=self.smtp,
            headers={
                "List-Unsubscribe": f"<{link}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "X-Tenantly-Mailing": str(mailing.pk),
            },
        )
        message.attach_alternative(self.tracked(markup, recipient, link), "text/html")
        # through a provider's API (django-anymail): its events about the message name the
        # company and the recipient; our own tracking counts openings and clicks
        message.metadata = {"tenant": connection.schema_name, "recipient": str(recipient.pk)}  # type: ignore[attr-defined]
        message.track_opens = message.track_clicks = False  # type: ignore[attr-defined]
        return message


def _claim(mailing: Mailing, claim: str) -> list[MailingRecipient]:
    """The next batch of queued recipients, marked as being sent by `claim` (committed at
    once: a recipient claimed is never claimed again, by this worker or another); of a
    mailing with send windows, only those whose window is open."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            MailingRecipient.objects.select_for_update(skip_locked=True)
            .filter(mailing=mailing, status=MailingRecipient.Status.QUEUED)
            .filter(Q(not_before=None) | Q(not_before__lte=now, not_after__gt=now))
            .order_by("id")
            .values_list("pk", flat=True)[:BATCH]
        )
        MailingRecipient.objects.filter(pk__in=ids).update(
            status=MailingRecipient.Status.SENDING, claim=claim, claimed_at=now
        )
    return list(
        MailingRecipient.objects.filter(pk__in=ids)
        .select_related("contact__company")
        .order_by("id")
    )


def _take_turn(channel: str = Mailing.Channel.EMAIL) -> None:
    """Wait for a place in the provider's rate: at most MAILING_RATE emails (SMS_RATE SMS) a
    second from all workers of all companies together (one provider account; the counter
    is the platform's, on purpose), none when the rate is 0."""
    sms = channel == Mailing.Channel.SMS
    rate = settings.SMS_RATE if sms else settings.MAILING_RATE
    if not rate:
        return
    provider = settings.SMS_PROVIDER if sms else settings.EMAIL_PROVIDER or settings.EMAIL_HOST
    counters = caches["platform"]
    while True:
        second = int(time.time())
        key = f"mailing-rate:{channel}:{provider}:{second}"
        counters.add(key, 0, timeout=5)
        if counters.incr(key) <= rate:
            return
        time.sleep(max(0.0, second + 1 - time.time()))


def mailing_send(*, mailing: Mailing) -> Mailing:
    """Send the queued recipients batch by batch while the mailing is sending (a pause or a
    cancel stops it between batches). Each recipient's outcome is committed as soon as its
    message went or failed, so a worker that dies leaves at most the one message it was
    sending in doubt; several workers may send one mailing, and the last to finish closes it."""
    _send_batches(mailing)
    _finish(mailing)
    mailing.refresh_from_db()
    return mailing


def _send_batches(mailing: Mailing) -> None:
    """One sender: claim a batch, send it, until none is left or the mailing stops."""
    claim = f"tenantly-mail {secrets.token_hex(6)} {connection.schema_name}"[:63]
    sms = mailing.channel == Mailing.Channel.SMS
    with (
        session_named(claim),
        contextlib.nullcontext() if sms else get_connection() as smtp,
        connection.cursor() as marks,
    ):
        sending = _Sending(mailing, smtp)
        while True:
            mailing.refresh_from_db(fields=["status"])
            if mailing.status != Mailing.Status.SENDING:
                return
            batch = _claim(mailing, claim)
            if not batch:
                break
            sent = []
            for recipient in batch:
                _take_turn(mailing.channel)
                try:
                    provider_id = sending.send(recipient)
                except Exception as error:  # noqa: BLE001 (one address's refusal is its own)
                    reason = str(error)[:255] or type(error).__name__
                    outcome: list[Any] = [MailingRecipient.Status.FAILED, None, "", reason]
                else:
                    outcome = [MailingRecipient.Status.SENT, timezone.now(), provider_id, ""]
                    sent.append(recipient.contact_id)
                # committed before the next message goes (one plain statement: this runs
                # once per message)
                marks.execute(
                    "UPDATE crm_core_mailingrecipient SET status = %s, sent_at = %s, "
                    "provider_id = %s, reason = %s WHERE id = %s",
                    [*outcome, recipient.pk],
                )
            CampaignMember.objects.filter(
                campaign_id=mailing.campaign_id,
                contact_id__in=sent,
                status=CampaignMember.Status.TARGETED,
            ).update(status=CampaignMember.Status.SENT, changed_at=timezone.now())


def _finish(mailing: Mailing) -> None:
    """Once nobody is queued or being sent (by this worker or another): a test's share is
    sent, the rest waits for the winner; or the mailing is sent."""
    left = MailingRecipient.objects.filter(mailing=mailing)
    if left.filter(
        status__in=[MailingRecipient.Status.QUEUED, MailingRecipient.Status.SENDING]
    ).exists():
        return
    if left.filter(status=MailingRecipient.Status.HELD).exists():
        Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
            status=Mailing.Status.TESTING,
            test_ends_at=timezone.now() + timedelta(hours=mailing.test_hours),
        )
    else:
        Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
            status=Mailing.Status.SENT, finished_at=timezone.now()
        )


def mailing_pause(*, actor: User, mailing: Mailing) -> None:
    may_run_check(actor)
    changed = Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
        status=Mailing.Status.PAUSED
    )
    if not changed:
        raise ValidationError({"status": [_("Only a mailing being sent is paused.")]})


def mailing_resume(*, actor: User, mailing: Mailing) -> None:
    may_run_check(actor)
    with transaction.atomic():
        changed = Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.PAUSED).update(
            status=Mailing.Status.SENDING, pause_reason=""
        )
        if not changed:
            raise ValidationError({"status": [_("Only a paused mailing is resumed.")]})
        _queue(mailing)


def mailing_cancel(*, actor: User, mailing: Mailing) -> None:
    """Stop for good: who was not sent to yet will not be."""
    may_run_check(actor)
    with transaction.atomic():
        changed = Mailing.objects.filter(
            pk=mailing.pk,
            status__in=[
                Mailing.Status.SCHEDULED,
                Mailing.Status.SENDING,
                Mailing.Status.PAUSED,
                Mailing.Status.TESTING,
            ],
        ).update(status=Mailing.Status.CANCELLED, finished_at=timezone.now())
        if not changed:
            raise ValidationError(
                {"status": [_("Only a mailing scheduled, being sent or paused is cancelled.")]}
            )
        MailingRecipient.objects.filter(
            mailing=mailing,
            status__in=[MailingRecipient.Status.QUEUED, MailingRecipient.Status.HELD],
        ).update(status=MailingRecipient.Status.FAILED, reason=gettext_noop("Cancelled"))


def mailings_recover(*, now=None) -> int:
    """Claims whose worker died (its database session is gone) for STOPPED_AFTER: the first
    of each claim still being sent is the one whose message may or may not have left, so it
    is not sent again (never twice) but marked failed, saying why; the rest of the claim was
    never tried and is queued again, and its mailing handed to a worker. Returns how many
    claims were picked up."""
    cutoff = (now or timezone.now()) - STOPPED_AFTER
    claimed = dict(
        MailingRecipient.objects.filter(status=MailingRecipient.Status.SENDING)
        .exclude(claim="")
        .values_list("claim")
        .annotate(first=Min("pk"), since=Max("claimed_at"))
        .filter(since__lt=cutoff)
        .values_list("claim", "first")
    )
    if not claimed:
        return 0
    alive = sessions_alive(list(claimed))
    dead = {claim: first for claim, first in claimed.items() if claim not in alive}
    for claim, first in dead.items():
        with transaction.atomic():
            rows = MailingRecipient.objects.filter(
                claim=claim, status=MailingRecipient.Status.SENDING
            )
            mailing = Mailing.objects.select_for_update().get(recipients__pk=first)
            rows.filter(pk=first).update(
                status=MailingRecipient.Status.FAILED,
                reason=gettext_noop(
                    "The worker stopped while sending it; it may have gone, so it is not "
                    "sent again."
                ),
            )
            if mailing.status == Mailing.Status.CANCELLED:
                rows.update(status=MailingRecipient.Status.FAILED, reason=gettext_noop("Cancelled"))
                continue
            rows.update(status=MailingRecipient.Status.QUEUED, claim="")
            if mailing.status == Mailing.Status.SENDING:
                _queue(mailing)
    return len(dead)


def mailing_figures(mailing: Mailing) -> dict[str, int]:
    """Recipients by status, and of those sent: delivered, bounced and marked as spam (as
    the provider reported them)."""
    counts = dict(mailing.recipients.order_by().values_list("status").annotate(count=Count("pk")))
    reported = mailing.recipients.aggregate(
        delivered=Count("pk", filter=Q(delivered_at__isnull=False)),
        bounced=Count("pk", filter=Q(bounced_at__isnull=False)),
        complained=Count("pk", filter=Q(complained_at__isnull=False)),
    )
    return {
        **{status: counts.get(status, 0) for status in MailingRecipient.Status.values},
        **reported,
    }


# --- Unsubscribing -----------------------------------------------------------------------------


def unsubscribe(*, recipient: MailingRecipient) -> None:
    """The recipient wants no more emails: their address is suppressed, their consent to
    emails withdrawn, and it is on their timeline (once)."""
    with transaction.atomic():
        _row, created = Suppression.objects.get_or_create(
            email=recipient.email.lower(),
            defaults={
                "reason": Suppression.Reason.UNSUBSCRIBED,
                "contact": recipient.contact,
                "mailing": recipient.mailing,
            },
        )
        Contact.objects.filter(pk=recipient.contact_id).update(consent_email=False)
        if created:
            recipient_said(
                recipient, gettext_noop("Unsubscribed from emails (mailing “%(mailing)s”)")
            )


def recipient_said(recipient: MailingRecipient, text: str) -> None:
    """What became of a recipient of a mailing, on their contact's timeline: `text` (marked
    with gettext_noop, said in each reader's language) names the mailing as %(mailing)s."""
    interaction_log(
        actor=None,
        contact=recipient.contact,
        data={
            "channel": "mailing",
            "direction": "inbound",
            "subject": SystemText(text, {"mailing": str(recipient.mailing)}),
        },
    )


def preferences_save(*, recipient: MailingRecipient, email: bool, sms: bool, calls: bool) -> None:
    """The recipient's own choice of channels, from the preference page."""
    if not email:
        unsubscribe(recipient=recipient)
    else:
        Suppression.objects.filter(
            email=recipient.email.lower(), reason=Suppression.Reason.UNSUBSCRIBED
        ).delete()
        Contact.objects.filter(pk=recipient.contact_id).update(consent_email=True)
    Contact.objects.filter(pk=recipient.contact_id).update(consent_sms=sms, consent_calls=calls)


# --- Tracking ----------------------------------------------------------------------------------


def member_advance(*, recipient: MailingRecipient, step: str) -> None:
    """Move the recipient's membership to `step` if that is further than it got (the step on
    their timeline); never back."""
    member = (
        CampaignMember.objects.select_related("contact", "campaign")
        .filter(campaign_id=recipient.mailing.campaign_id, contact_id=recipient.contact_id)
        .first()
    )
    if member is not None:
        member_reach(member=member, status=step)


def _tracked_recipient(token: str) -> MailingRecipient | None:
    data = link_read(token, purpose=TRACK, max_age=UNSUBSCRIBE_MAX_AGE)
    if data is None or not isinstance(data.get("r"), int):
        return None
    return (
        MailingRecipient.objects.select_related("mailing__campaign")
        .filter(pk=data["r"], status=MailingRecipient.Status.SENT)
        .first()
    )


def track_open(token: str) -> bool:
    """Count an opening (the pixel was fetched); False for a token that is not one."""
    recipient = _tracked_recipient(token)
    if recipient is None:
        return False
    now = timezone.now()
    MailingRecipient.objects.filter(pk=recipient.pk).update(opens=F("opens") + 1)
    if MailingRecipient.objects.filter(pk=recipient.pk, opened_at=None).update(opened_at=now):
        member_advance(recipient=recipient, step=CampaignMember.Status.OPENED)
    return True


def track_click(token: str, link_id: int) -> str | None:
    """Count a click on the mailing's link `link_id` and give its own address (None for a
    token that is not one, or a link of another mailing)."""
    recipient = _tracked_recipient(token)
    if recipient is None:
        return None
    link = MailingLink.objects.filter(pk=link_id, mailing_id=recipient.mailing_id).first()
    if link is None:
        return None
    now = timezone.now()
    MailingLink.objects.filter(pk=link.pk).update(clicks=F("clicks") + 1)
    MailingRecipient.objects.filter(pk=recipient.pk).update(clicks=F("clicks") + 1)
    # a click shows the message was opened, even when its images were not fetched
    MailingRecipient.objects.filter(pk=recipient.pk, opened_at=None).update(opened_at=now)
    if MailingRecipient.objects.filter(pk=recipient.pk, clicked_at=None).update(clicked_at=now):
        member_advance(recipient=recipient, step=CampaignMember.Status.CLICKED)
    return utm_tagged(link.url, recipient.mailing.campaign.utm_campaign)


def utm_tagged(url: str, utm_campaign: str) -> str:
    """The link with the campaign's UTM parameters added (utm_source=mailing,
    utm_medium=email, utm_campaign=its UTM name), so that the website's analytics and its
    forms can tell where the visitor came from; a link that has its own UTM parameters keeps
    them."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(name.startswith("utm_") for name, _value in query):
        return url
    query += [("utm_source", "mailing"), ("utm_medium", "email"), ("utm_campaign", utm_campaign)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def sms_report(*, url: str, fields: Mapping[str, list[str]], signature: str) -> bool | None:
    """A delivery report the SMS provider posted to this company's address: None when its
    signature is not the provider's; False when it names no message of ours here; else the
    recipient's message is marked delivered (the member's step moves on) or not delivered."""
    provider = sms_provider()
    if provider is None or not provider.signature_valid(url, fields, signature):
        return None
    sid, state, _error = provider.report(fields)
    recipient = (
        MailingRecipient.objects.select_related("mailing", "contact")
        .filter(provider_id=sid, status=MailingRecipient.Status.SENT)
        .first()
        if sid
        else None
    )
    if recipient is None:
        return False
    if state == "delivered":
        recipient_delivered(recipient)
    elif state == "failed":
        MailingRecipient.objects.filter(pk=recipient.pk, bounced_at=None).update(
            bounced_at=timezone.now(), reason=gettext_noop("The network did not deliver it.")
        )
    return True


def recipient_delivered(recipient: MailingRecipient) -> None:
    """The provider delivered the recipient's message: noted once, and the member moves on."""
    rows = MailingRecipient.objects.filter(pk=recipient.pk, delivered_at=None)
    if rows.update(delivered_at=timezone.now()):
        member_advance(recipient=recipient, step=CampaignMember.Status.DELIVERED)


def mailing_engagement(mailing: Mailing) -> dict[str, Any]:
    """Openings and clicks (recipients who did, and how often), and each link's clicks."""
    counts = mailing.recipients.aggregate(
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
    )
    return {**counts, "links": list(mailing.links.order_by("-clicks", "id"))}
