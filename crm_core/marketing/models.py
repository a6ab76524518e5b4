"""Marketing: audiences (saved filters over the contacts, resolved when used), campaigns with
their dates, budget and cost, and their members (an audience frozen when it is added), each
with how far the campaign got with them."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_core.common.models import owner_field, team_field
from crm_core.parties.models import Contact


class Consent(models.TextChoices):
    """The channel a contact must have agreed to, for an audience."""

    EMAIL = "email", _("Emails")
    SMS = "sms", _("SMS")
    CALLS = "calls", _("Calls")


class Audience(models.Model):
    """Contacts chosen by the contact list's filters (segment and its parameters, lifecycle
    stage, owner, company, VIP, RFM segment, churn risk, a product to offer), and by consent
    to a channel; resolved each time it is used, as whoever uses it may see."""

    name = models.CharField(_("name"), max_length=120)
    query = models.TextField(_("filters"), blank=True)  # the list's filters as a query string
    consent = models.CharField(_("agreed to"), max_length=8, choices=Consent.choices, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    class Kind(models.TextChoices):
        ADVERTISING = "advertising", _("Advertising")
        EVENT = "event", _("Event")
        MAILING = "mailing", _("Mailing")
        WEBINAR = "webinar", _("Webinar")
        TRADE_SHOW = "trade_show", _("Trade show")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Running")
        FINISHED = "finished", _("Finished")

    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, default=0)
    actual_cost = models.DecimalField(_("actual cost"), max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3)
    audience = models.ForeignKey(
        Audience,
        verbose_name=_("audience"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="campaigns",
    )
    # a large audience's members are being added by a worker since then
    members_adding_since = models.DateTimeField(null=True, blank=True)
    # the utm_campaign of its links: visits and forms carrying it credit this campaign
    utm_campaign = models.SlugField(_("UTM campaign"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner = owner_field()
    team = team_field()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")

    def __str__(self) -> str:
        return self.name

    @property
    def members_being_added(self) -> bool:
        """A worker adds the audience's members (one that has been at it for half an hour
        died: the button is back)."""
        since = self.members_adding_since
        return since is not None and since > timezone.now() - timedelta(minutes=30)


class CampaignMember(models.Model):
    """A contact the campaign targets, and the furthest it got with them."""

    class Status(models.TextChoices):
        TARGETED = "targeted", _("Targeted")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        OPENED = "opened", _("Opened")
        CLICKED = "clicked", _("Clicked")
        RESPONDED = "responded", _("Responded")
        CONVERTED = "converted", _("Converted")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.TARGETED
    )
    added_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="one_membership")
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.contact}"


class Mailing(models.Model):
    """An email of a campaign to its members: a subject and an HTML body with merge fields in
    one language, sent in batches by workers, each recipient once, with a log per recipient."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        TESTING = "testing", _("Testing A/B")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    class WinnerBy(models.TextChoices):
        OPENS = "opens", _("Openings")
        CLICKS = "clicks", _("Clicks")
        # a new deal of the recipient's after the message went
        CONVERSIONS = "conversions", _("Conversions")

    # the zone of recipients without one of their own, unless the mailing chooses another
    DEFAULT_TIME_ZONE = "Europe/Moscow"

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class PauseReason(models.TextChoices):
        BOUNCES = "bounces", _("more than 5 percent of the messages bounced")
        COMPLAINTS = "complaints", _("more than 0.1 percent of the recipients marked it as spam")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="mailings")
    # an SMS has no subject; its body is plain text
    channel = models.CharField(
        _("channel"), max_length=5, choices=Channel.choices, default=Channel.EMAIL
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("message"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    from_name = models.CharField(_("sender's name"), max_length=120, blank=True)
    # an A/B test: variant B's subject and/or message (blank: as A), sent with A to a share of
    # the recipients; after `test_hours` the better by `winner_by` goes to the rest
    subject_b = models.CharField(_("subject B"), max_length=255, blank=True)
    body_b = models.TextField(_("message B"), blank=True)
    test_share = models.PositiveSmallIntegerField(_("share in the test, %"), default=0)
    winner_by = models.CharField(
        _("winner by"), max_length=12, choices=WinnerBy.choices, default=WinnerBy.OPENS
    )
    test_hours = models.PositiveSmallIntegerField(_("test for, hours"), default=4)
    test_ends_at = models.DateTimeField(null=True, blank=True)
    winner = models.CharField(max_length=1, blank=True)
    # when to start (blank: when sent), and the hours of each recipient's own day (their
    # contact's time zone, else `time_zone`) it may arrive in: from window_from:00 to
    # window_to:00 (both blank: any time)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    window_from = models.PositiveSmallIntegerField(_("from, hour"), null=True, blank=True)
    window_to = models.PositiveSmallIntegerField(_("to, hour"), null=True, blank=True)
    time_zone = models.CharField(
        _("time zone of recipients without their own"), max_length=64, default=DEFAULT_TIME_ZONE
    )
    # who started (or scheduled) it: the recipients are the members they see
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # why it paused itself (blank: it did not; cleared on resume)
    pause_reason = models.CharField(max_length=10, choices=PauseReason.choices, blank=True)
    # who was left out when it started, by reason: {"no_consent": n, "no_email": n, ...}
    left_out = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")

    def __str__(self) -> str:
        # an SMS has no subject: the start of its text
        return self.subject or (self.body[:40] + ("…" if len(self.body) > 40 else ""))


class MailingRecipient(models.Model):
    """One recipient of a mailing: taken (queued), claimed by a worker (sending), then sent
    or failed with the reason; never sent twice."""

    class Status(models.TextChoices):
        HELD = "held", _("Waiting for the A/B winner")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="recipients")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)  # an SMS mailing's, E.164
    # the SMS provider's id of the message (its delivery reports name it)
    provider_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    variant = models.CharField(max_length=1, blank=True)  # "a" or "b" of an A/B test
    reason = models.CharField(max_length=255, blank=True)
    # the worker sending it (its database session's name) and since when
    claim = models.CharField(max_length=63, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # a send window: not before (and, if not sent by then, moved to the next day's window)
    not_before = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # tracking: the first opening and click, and how many of each (openings are inflated by
    # mail apps that fetch images for privacy, and missed by those that block them)
    opened_at = models.DateTimeField(null=True, blank=True)
    opens = models.PositiveIntegerField(default=0)
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)
    # what the provider reported back (its verified webhook): delivered to the mailbox,
    # bounced (hard: the address does not take mail) or marked as spam
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["mailing", "contact"], name="one_recipient")]
        indexes = [
            models.Index(fields=["mailing", "status"]),
            models.Index(
                fields=["claim"], condition=Q(status="sending"), name="recipient_being_sent"
            ),
            models.Index(
                fields=["provider_id"], condition=~Q(provider_id=""), name="recipient_sms_id"
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.phone


class MailingLink(models.Model):
    """A link of a mailing's message, tracked: each recipient's copy goes through a redirect
    that counts the click, then to exactly this address."""

    mailing = models.ForeignKey(Mailing, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(max_length=2000)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["mailing", "url"], name="one_link")]

    def __str__(self) -> str:
        return self.url


class Suppression(models.Model):
    """An address no mailing goes to again: unsubscribed, bounced or complained about."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")

    email = models.EmailField(unique=True)  # lower-case
    reason = models.CharField(max_length=12, choices=Reason.choices)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.email
