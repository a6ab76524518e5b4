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
    # the share of the target attained, % (as `attainment` reads it: ramp, direction), for the
    # leaderboard to rank in SQL
    share = models.FloatField(null=True)
    refreshed_at = models.DateTimeField()
    # the highest share (50, 90, 100) the person and their head were told of
    told_share = models.PositiveSmallIntegerField(default=0)
    told_behind_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.goal_id}: {self.fact}"


class BonusPlan(models.Model):
    """A motivation plan: what each person it is assigned to earns from the records, versioned
    and effective-dated; drafted, approved by the owner, then locked (a change is a new
    version). Its components (commission with rate tables, a bonus by attainment, caps, gates,
    team parts) are checked by `crm_core.goals.plans.plan_check`."""

    class Basis(models.TextChoices):
        WON = "won", _("Deals won")
        INVOICED = "invoiced", _("Orders invoiced")
        PAID = "paid", _("Orders paid")

    name = models.CharField(_("name"), max_length=120)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_versions"
    )
    basis = models.CharField(_("counts sales"), max_length=10, choices=Basis.choices)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True)
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("people"), blank=True, related_name="bonus_plans"
    )
    roles = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    components = models.JSONField(_("components"), default=list)
    # the plan's own cap on a statement's total, and its gates: [{"metric": .., "min_share": ..}]
    cap = models.DecimalField(_("cap"), max_digits=18, decimal_places=2, null=True, blank=True)
    gates = models.JSONField(_("gates"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_plan_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_locked(self) -> bool:
        return self.approved_at is not None


class Statement(models.Model):
    """A person's bonus for a month as closed: a snapshot of its lines, never recomputed."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statements"
    )
    plan = models.ForeignKey(BonusPlan, null=True, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    total = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "person"]
        constraints = [
            models.UniqueConstraint(fields=["person", "period_start"], name="one_statement_each")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period_start}"


class StatementLine(models.Model):
    """One line of a closed statement, explaining itself: the record, the amount it counted
    at, the rate and tier, the component, the bonus."""

    class Kind(models.TextChoices):
        SALE = "sale", _("Sale")
        BONUS = "bonus", _("Bonus by attainment")
        CAP = "cap", _("Cap")
        GATE = "gate", _("Gate")
        CLAWBACK = "clawback", _("Clawback")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    component = models.CharField(max_length=120)
    record_type = models.CharField(max_length=10, blank=True)  # deal, order
    record_id = models.BigIntegerField(null=True)
    title = models.CharField(max_length=255)
    base = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    rate = models.DecimalField(max_digits=9, decimal_places=4, null=True)
    tier = models.CharField(max_length=120, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    # a clawback's line of an earlier statement
    claws = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="clawbacks"
    )

    class Meta:
        ordering = ["statement", "id"]

    def __str__(self) -> str:
        return f"{self.component}: {self.amount}"


class Adjustment(models.Model):
    """A manager's correction to a person's month, with its reason (closed or not)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjustments"
    )
    period_start = models.DateField()
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period_start", "created_at"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period_start}: {self.amount}"


class LineQuestion(models.Model):
    """A person's question on a line of their statement, and the manager's answer."""

    line = models.ForeignKey(StatementLine, on_delete=models.CASCADE, related_name="questions")
    text = models.CharField(_("question"), max_length=1000)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.CharField(_("answer"), max_length=1000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]

    def __str__(self) -> str:
        return self.text[:60]
