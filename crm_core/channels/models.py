"""Channels that bring clients in by themselves: the company's phone system (its settings, the
staff's lines, each call), and as they land email, web forms and the knowledge base."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_core.activities.models import Interaction
from crm_core.parties.models import Contact


class Telephony(models.Model):
    """The company's phone system (one row per company): which kind, the secret its events
    are signed with, and for a PBX with an API the credentials click-to-call uses."""

    class Provider(models.TextChoices):
        WEBHOOK = "webhook", _("Any phone system, through Tenantly's call webhook")
        TWILIO = "twilio", _("Twilio Voice")

    provider = models.CharField(
        _("phone system"), max_length=16, choices=Provider.choices, default=Provider.WEBHOOK
    )
    secret = models.CharField(max_length=64)  # signs the webhook's events
    account = models.CharField(_("account SID"), max_length=64, blank=True)
    token_sealed = models.TextField(blank=True)  # the PBX's API token (crm_core.common.sealed)
    number = models.CharField(_("the company's number"), max_length=20, blank=True)
    lead_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new callers are owned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.get_provider_display())

    @property
    def can_dial(self) -> bool:
        """Whether click-to-call goes through the PBX's API (else phones are `tel:` links)."""
        return self.provider == self.Provider.TWILIO and bool(
            self.account and self.token_sealed and self.number
        )


class PhoneLine(models.Model):
    """A staff member's line on the phone system: an extension, a number (E.164) or a softphone
    identity, as the phone system names it in its events."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleague"),
        on_delete=models.CASCADE,
        related_name="phone_lines",
    )
    line = models.CharField(_("extension or number"), max_length=64, unique=True)

    class Meta:
        ordering = ["line"]

    def __str__(self) -> str:
        return self.line


class CallEventRecord(models.Model):
    """A call event as it came in: acknowledged at once, applied to its call by a worker (and,
    should its job be lost, by the minute's sweep)."""

    provider = models.CharField(max_length=16)
    event = models.JSONField()  # crm_core.channels.telephony.CallEvent's fields
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at=None),
                name="call_event_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.event.get('call_id')} · {self.event.get('kind')}"


class Call(models.Model):
    """One call the phone system told us of, event by event; logged on the client's timeline
    when it ends."""

    class State(models.TextChoices):
        DIALING = "dialing", _("Dialling")
        RINGING = "ringing", _("Ringing")
        ANSWERED = "answered", _("In progress")
        ENDED = "ended", _("Ended")
        MISSED = "missed", _("Missed")

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")

    provider = models.CharField(max_length=16)
    external_id = models.CharField(max_length=100)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    state = models.CharField(_("state"), max_length=8, choices=State.choices)
    number = models.CharField(_("client's number"), max_length=32, blank=True)
    line = models.CharField(_("line"), max_length=64, blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_created = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    recording_url = models.URLField(_("recording"), max_length=1000, blank=True)
    interaction = models.OneToOneField(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="call"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="call_once"),
        ]
        indexes = [models.Index(fields=["contact", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} · {self.number}"

    @property
    def duration_shown(self) -> str:
        """Minutes and seconds (2:05), blank before the call ends."""
        if self.duration_seconds is None:
            return ""
        minutes, seconds = divmod(self.duration_seconds, 60)
        return f"{minutes}:{seconds:02d}"


class WebForm(models.Model):
    """A form for the company's own website: its fields, each mapped to a contact's (or their
    company's) field or a segment parameter, its consent checkboxes, what a visitor sees after
    sending it, the campaign it credits, and who gets the clients it brings."""

    class Assign(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("In turn among the colleagues chosen")
        OWNER = "owner", _("Always the first colleague chosen")

    name = models.CharField(_("name"), max_length=120)
    key = models.CharField(max_length=32, unique=True)  # its public address
    title = models.CharField(_("heading on the form"), max_length=200, blank=True)
    # [{"target": "first_name" | "emails" | ... | "segment:<key>", "label", "required"}]
    fields = models.JSONField(default=list)
    segment = models.ForeignKey(
        "crm_core.Segment",
        verbose_name=_("segment of its clients"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    consent_text = models.CharField(
        _("consent to the processing of personal data"), max_length=500, blank=True
    )
    ask_email_consent = models.BooleanField(_("ask for consent to emails"), default=False)
    ask_sms_consent = models.BooleanField(_("ask for consent to SMS"), default=False)
    button = models.CharField(_("button"), max_length=60, blank=True)
    thank_you = models.TextField(_("thank-you text"), blank=True)
    redirect_url = models.URLField(_("or go on to this page"), max_length=500, blank=True)
    campaign = models.ForeignKey(
        "crm_core.Campaign",
        verbose_name=_("campaign credited"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assign = models.CharField(
        _("new clients go"), max_length=12, choices=Assign.choices, default=Assign.ROUND_ROBIN
    )
    owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("colleagues"), blank=True, related_name="+"
    )
    # {"field": target, "value": text, "owner": user id}: the first rule whose field's answer
    # contains its value decides the owner before the turn does
    rules = models.JSONField(default=list, blank=True)
    turn = models.PositiveIntegerField(default=0)  # the round-robin's next place
    is_active = models.BooleanField(_("accepting submissions"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """One visitor's answers to a web form, and the client they were filed under."""

    form = models.ForeignKey(WebForm, on_delete=models.CASCADE, related_name="submissions")
    contact = models.ForeignKey(
        Contact, null=True, on_delete=models.SET_NULL, related_name="form_submissions"
    )
    answers = models.JSONField(default=dict)  # label -> answer, as the visitor gave them
    utm = models.JSONField(default=dict, blank=True)
    page = models.URLField(max_length=1000, blank=True)
    new_contact = models.BooleanField(default=False)
    campaign = models.ForeignKey(
        "crm_core.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interaction = models.OneToOneField(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["form", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.form} · {self.created_at:%Y-%m-%d %H:%M}"
