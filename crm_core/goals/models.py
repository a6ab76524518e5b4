"""Goals: a metric with a target for a person, a team or the company over a period, and how far
the records written so far have brought it."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Goal(models.Model):
    class Level(models.TextChoices):
        PERSON = "person", _("Person")
        TEAM = "team", _("Team")
        COMPANY = "company", _("Company")

    class PeriodKind(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        HALF = "half", _("Half-year")
        YEAR = "year", _("Year")
        CUSTOM = "custom", _("Custom dates")

    class TeamTarget(models.TextChoices):
        OWN = "own", _("Its own target")
        SUM = "sum", _("The sum of its members' targets")

    metric = models.CharField(_("metric"), max_length=60)
    level = models.CharField(_("for"), max_length=10, choices=Level.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    team = models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=2, null=True)
    team_target = models.CharField(
        _("team's target"), max_length=4, choices=TeamTarget.choices, default=TeamTarget.OWN
    )
    # a new hire's share of the target by month of tenure: [25, 50, 75] means 25 % in their
    # first month, 50 % in the second, 75 % in the third, the whole target after
    ramp = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # a closed period's figures, frozen
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_fact = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    closed_target = models.DecimalField(max_digits=18, decimal_places=2, null=True)

    class Meta:
        ordering = ["period_start", "metric", "level", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(level="person", person__isnull=False, team=None)
                    | models.Q(level="team", team__isnull=False, person=None)
                    | models.Q(level="company", team=None, person=None)
                ),
                name="goal_level_matches",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="goal_period_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["metric", "level", "person", "team", "period_start", "period_end"],
                nulls_distinct=False,
                name="one_goal_per_metric_and_period",
            ),
        ]
        indexes = [models.Index(fields=["period_end", "period_start"], name="goal_period_idx")]

    def __str__(self) -> str:
        return f"{self.metric} · {self.period_start}–{self.period_end}"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class GoalProgress(models.Model):
    """A goal's fact as of the last refresh (kept current after each write that may move it),
    and which alerts were already sent."""

    goal = models.OneToOneField(
        Goal, primary_key=True, on_delete=models.CASCADE, related_name="progress"
    )
    fact = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    records = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField()
    # the highest share (50, 90, 100) the person and their head were told of
    told_share = models.PositiveSmallIntegerField(default=0)
    told_behind_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.fact}"
