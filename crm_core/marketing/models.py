"""Marketing: audiences (saved filters over the contacts, resolved when used), campaigns with
their dates, budget and cost, and their members (an audience frozen when it is added), each
with how far the campaign got with them."""

from django.conf import settings
from django.db import models
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
