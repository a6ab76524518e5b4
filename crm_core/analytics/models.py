from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricDefinition(models.Model):
    """A metric an administrator put together from the parts the metrics layer offers (a
    record type, a measure, a date, the credited person, conditions): shown and computed as
    the built-in ones are."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    source = models.CharField(_("record type"), max_length=20)
    measure = models.CharField(_("measure"), max_length=10)
    date_field = models.CharField(_("date"), max_length=20, blank=True)
    person = models.CharField(_("credited person"), max_length=20, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    amount = models.CharField(_("amount"), max_length=20, blank=True)
    duration = models.CharField(_("duration"), max_length=20, blank=True)
    numerator = models.CharField(_("numerator"), max_length=40, blank=True)
    denominator = models.CharField(_("denominator"), max_length=40, blank=True)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return f"custom-{self.pk}"


class Dashboard(models.Model):
    """Someone's home page tiles (metrics shown as a figure, a trend, a leaderboard, a split or
    the funnel), in their order; shared with the owner's team when they choose."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dashboards"
    )
    name = models.CharField(_("name"), max_length=120)
    tiles = models.JSONField(_("tiles"), default=list)
    team = models.ForeignKey(
        "identity.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # shared with this team (the owner's, when shared)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["owner"], name="one_dashboard_each")]

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    """A report built in the report builder (its choices kept as the builder's query string),
    private or shared with the owner's team, and optionally emailed to its owner on a
    schedule; each reader sees it under their own visibility."""

    class Schedule(models.TextChoices):
        NONE = "", _("Not sent")
        DAILY = "daily", _("Every day")
        WEEKLY = "weekly", _("Every Monday")
        MONTHLY = "monthly", _("On the 1st of every month")

    name = models.CharField(_("name"), max_length=120)
    query = models.CharField(_("choices"), max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    team = models.ForeignKey(
        "identity.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # shared with this team
    schedule = models.CharField(
        _("email it"), max_length=8, choices=Schedule.choices, blank=True, default=""
    )
    next_send_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
