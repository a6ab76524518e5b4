"""Billing state of the platform (public schema): plans, each company's subscription, the
Stripe events received, and the Stripe accounts companies connect to take portal payments."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


class Plan(models.Model):
    """A tier on the pricing page. Prices are per seat; each maps to Stripe prices by id."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    is_trial = models.BooleanField(
        _("free trial"), default=False, help_text=_("The plan every new company starts on.")
    )
    is_public = models.BooleanField(_("on the pricing page"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    price_month = models.DecimalField(
        _("price per seat and month"), max_digits=10, decimal_places=2, default=0
    )
    price_year = models.DecimalField(
        _("price per seat and year"), max_digits=10, decimal_places=2, default=0
    )
    stripe_price_month = models.CharField(_("Stripe price id, monthly"), max_length=100, blank=True)
    stripe_price_year = models.CharField(_("Stripe price id, yearly"), max_length=100, blank=True)
    max_seats = models.PositiveIntegerField(
        _("seat limit"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    max_contacts = models.PositiveIntegerField(
        _("contact limit"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    max_storage_mb = models.PositiveIntegerField(
        _("storage limit (MB)"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    api_calls_per_minute = models.PositiveIntegerField(
        _("API calls per minute"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    feature_search = models.BooleanField(_("Elasticsearch search"), default=False)
    feature_portal_payments = models.BooleanField(_("portal card payments"), default=False)

    class Meta:
        ordering = ["position", "price_month"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    def stripe_price(self, interval: str) -> str:
        return (
            self.stripe_price_year
            if interval == Subscription.Interval.YEAR
            else (self.stripe_price_month)
        )

    @property
    def is_paid(self) -> bool:
        return not self.is_trial

    @property
    def storage_gb(self) -> str:
        gigabytes = (self.max_storage_mb or 0) / 1024
        return f"{gigabytes:g}" if gigabytes >= 1 else f"{gigabytes:.1f}"


class Subscription(models.Model):
    """A company's plan and the state its Stripe subscription is in.

    Read on every request of the company's hosts (tenants.middleware), so a change made by a
    webhook in a worker takes effect on the next request in every web process.
    """

    class Status(models.TextChoices):
        TRIALING = "trialing", _("Trial")
        INCOMPLETE = "incomplete", _("Awaiting first payment")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment overdue")
        UNPAID = "unpaid", _("Unpaid")
        CANCELED = "canceled", _("Canceled")

    class Interval(models.TextChoices):
        MONTH = "month", _("Monthly")
        YEAR = "year", _("Yearly")

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.TRIALING
    )
    interval = models.CharField(
        _("billing interval"), max_length=5, choices=Interval.choices, default=Interval.MONTH
    )
    seats = models.PositiveIntegerField(
        _("paid seats"), default=0, help_text=_("The subscription's quantity.")
    )
    trial_ends_at = models.DateTimeField(
        _("trial ends"), null=True, blank=True, help_text=_("Empty: the trial never expires.")
    )
    current_period_end = models.DateTimeField(_("paid until"), null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=100, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=100, blank=True, db_index=True)
    # The time of the Stripe state last applied: an older one arriving later is ignored.
    stripe_state_at = models.DateTimeField(null=True, blank=True)
    # the stored event (StripeEvent.id: the order events were received in) whose snapshot was
    # applied: events of the same second are ordered by it (0 for a state read from Stripe)
    stripe_state_event = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return f"{self.tenant}: {self.plan} ({self.status})"

    @property
    def trial_expired(self) -> bool:
        return (
            self.status in (self.Status.TRIALING, self.Status.INCOMPLETE)
            and self.trial_ends_at is not None
            and self.trial_ends_at <= timezone.now()
        )

    @property
    def grace_ends_at(self):
        if self.status != self.Status.PAST_DUE or self.past_due_since is None:
            return None
        return self.past_due_since + timedelta(days=settings.BILLING_GRACE_DAYS)

    @property
    def is_read_only(self) -> bool:
        """Lapsed: staff still sign in, read and export everything; writes are refused."""
        if self.status in (self.Status.CANCELED, self.Status.UNPAID):
            return True
        if self.trial_expired:
            return True
        grace_ends_at = self.grace_ends_at
        return grace_ends_at is not None and grace_ends_at <= timezone.now()

    @property
    def trial_days_left(self) -> int | None:
        if self.trial_ends_at is None or self.status not in (
            self.Status.TRIALING,
            self.Status.INCOMPLETE,
        ):
            return None
        return max(0, (self.trial_ends_at - timezone.now()).days)


class StripeEvent(models.Model):
    """A webhook event, stored by its id before it is handled (so a replay is one effect)."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    account = models.CharField(
        max_length=100, blank=True, help_text=_("The connected account of a Connect event.")
    )
    payload = models.JSONField()
    created = models.DateTimeField(help_text=_("When Stripe created the event."))
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["processed_at", "received_at"])]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class Invoice(models.Model):
    """A Stripe invoice of a company's subscription, kept as the invoice events report it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="invoices")
    stripe_invoice_id = models.CharField(max_length=100, unique=True)
    number = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    amount_due = models.DecimalField(max_digits=12, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2)
    hosted_invoice_url = models.URLField(max_length=500, blank=True)
    invoice_pdf = models.URLField(max_length=500, blank=True)
    created = models.DateTimeField()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id


class ConnectedAccount(models.Model):
    """A company's own Stripe account (Connect), which takes its portal customers' payments."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="connected_account"
    )
    account_id = models.CharField(max_length=100, unique=True)
    charges_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.tenant}: {self.account_id}"
