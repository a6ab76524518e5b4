"""Reading goals: which ones a user sees and may set, and each one's attainment (fact, share of
the target, pace, forecast at the period's end) from the figures kept by `goals_refresh`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, FloatField, Q, QuerySet, Value
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone

from crm_core.analytics.display import figure_text
from crm_core.analytics.metrics import Metric
from crm_core.analytics.periods import Period
from crm_core.analytics.selectors import metrics_all
from crm_core.common.visibility import visibility_scope
from crm_core.goals.models import Goal, GoalProgress
from crm_core.goals.periods import goal_period, months_between
from crm_core.workspace.services import fiscal_year_start
from tenants.identity.models import Team, User
from tenants.identity.roles import Role, Visibility
from tenants.identity.selectors.teams import team_windows, teams_below

# the shares of the target the person and their head are told of
ALERT_SHARES = (50, 90, 100)
# behind when the fact is under this share of where a straight line would have it today
BEHIND_BELOW = 90
OFF_TRACK_BELOW = 70


def additive(metric: Metric) -> bool:
    """A count or a sum grows over the period (a straight line says where it should be
    today); a ratio, an average or a duration is judged as it stands."""
    return metric.measure in ("count", "sum")


def goals_visible(user: User) -> QuerySet[Goal]:
    """Everyone's goals for the owner, administrators and others who see all; a head: their
    team's (and the teams under it), its people's and the company's; a rep: their own, their
    team's and the company's."""
    goals = Goal.objects.select_related("person", "team", "progress")
    scope = visibility_scope(user)
    if scope == Visibility.ALL:
        return goals
    mine = Q(level=Goal.Level.COMPANY) | Q(person=user)
    if user.team_id:
        teams = teams_below(user.team_id) if scope == Visibility.TEAM else [user.team_id]
        mine |= Q(team__in=teams)
        if scope == Visibility.TEAM:
            mine |= Q(person__team__in=teams)
    return goals.filter(mine)


def goal_setters_scope(user: User) -> tuple[QuerySet[User], QuerySet[Team], bool]:
    """Whose goals `user` may set: (people, teams, the company's too). The owner and
    administrators: everyone's; a head of sales: their team's and its people's; others none."""
    staff = User.objects.exclude(role=Role.CUSTOMER).filter(is_active=True).order_by("full_name")
    if user.can_manage_team:
        return staff, Team.objects.order_by("name"), True
    if user.role == Role.SALES_HEAD and user.team_id:
        teams = teams_below(user.team_id)
        return staff.filter(team__in=teams), Team.objects.filter(pk__in=teams), False
    return staff.none(), Team.objects.none(), False


def may_set(user: User, goal: Goal) -> bool:
    people, teams, company = goal_setters_scope(user)
    if goal.level == Goal.Level.COMPANY:
        return company
    if goal.level == Goal.Level.TEAM:
        return teams.filter(pk__in=[goal.team_id]).exists()
    return people.filter(pk__in=[goal.person_id]).exists()


def goal_period_of(goal: Goal) -> Period:
    return Period(goal.period_start, goal.period_end)


def ramp_share(goal: Goal, person: User | None) -> int:
    """The share (%) of the target a new hire carries in the goal's period."""
    if not goal.ramp or person is None:
        return 100
    month = months_between(timezone.localtime(person.date_joined).date(), goal.period_start)
    return goal.ramp[month] if month < len(goal.ramp) else 100


def targets_of(goals: list[Goal]) -> dict[int, Decimal | None]:
    """Each goal's target as it applies: a new hire's ramped share; a team's that is the sum
    of its members' the sum of the person goals of the same metric and period of the people
    who were in it during the period."""
    targets: dict[int, Decimal | None] = {}
    summed = [goal for goal in goals if goal.level == Goal.Level.TEAM and goal.team_target == "sum"]
    for goal in goals:
        if goal.closed_at is not None:
            targets[goal.pk] = goal.closed_target
        elif goal.level == Goal.Level.PERSON and goal.target is not None:
            share = ramp_share(goal, goal.person)
            targets[goal.pk] = (goal.target * share / 100).quantize(Decimal("0.01"))
        else:
            targets[goal.pk] = goal.target
    if summed:
        keys = {(goal.metric, goal.period_start, goal.period_end) for goal in summed}
        people_goals: dict[tuple, list[Goal]] = defaultdict(list)
        for goal in Goal.objects.filter(
            level=Goal.Level.PERSON,
            metric__in={key[0] for key in keys},
            period_start__in={key[1] for key in keys},
        ).select_related("person"):
            people_goals[(goal.metric, goal.period_start, goal.period_end)].append(goal)
        for goal in summed:
            if goal.closed_at is not None:
                continue
            members = {
                window.user
                for window in team_windows(goal.team_id, goal.period_start, goal.period_end)
            }
            parts = [
                targets_of([member])[member.pk]
                for member in people_goals[(goal.metric, goal.period_start, goal.period_end)]
                if member.person_id in members
            ]
            targets[goal.pk] = sum((part for part in parts if part is not None), Decimal(0))
    return targets


@dataclass
class Attainment:
    goal: Goal
    metric: Metric
    target: Decimal | None
    fact: Decimal | None
    share: float | None  # of the target, %
    expected: Decimal | None  # where the fact should be today on a straight line
    pace: float | None  # the fact against `expected`, %
    forecast: Decimal | None  # at the period's end at this pace
    elapsed: float  # of the period, 0..1
    status: str  # ahead, behind, off_track, done, closed, not_started, no_target

    @property
    def bar(self) -> float:
        return min(self.share or 0.0, 100.0)

    @property
    def marker(self) -> float:
        return round(self.elapsed * 100, 1)


def _share(metric: Metric, fact: Decimal | None, target: Decimal | None) -> float | None:
    if target is None or fact is None:
        return None
    if metric.higher_is_better:
        return round(float(fact) * 100 / float(target), 1) if target else None
    # lower is better: at or under the target is 100 %, above it less
    if fact <= target:
        return 100.0
    return round(float(target) * 100 / float(fact), 1) if fact else None


def attainment(
    goal: Goal,
    metric: Metric,
    target: Decimal | None,
    today: date | None = None,
    *,
    live: dict[int, Decimal | None] | None = None,
) -> Attainment:
    """`live`: the open goals' facts by goal, where they were read apart from the goals (else
    each goal's `progress`)."""
    today = today or timezone.localdate()
    period = goal_period_of(goal)
    if goal.closed_at:
        fact = goal.closed_fact
    elif live is not None:
        fact = live.get(goal.pk)
    else:
        progress = getattr(goal, "progress", None)
        fact = progress.fact if progress else None
    if fact is None and metric.measure in ("count", "sum"):
        fact = Decimal(0)
    elapsed = period.elapsed_share(today)
    share = _share(metric, fact, target)
    expected = pace = forecast = None
    if target is not None and additive(metric):
        expected = (target * Decimal(str(elapsed))).quantize(Decimal("0.01"))
        if fact is not None:
            pace = round(float(fact) * 100 / float(expected), 1) if expected else None
            forecast = (fact / Decimal(str(elapsed))).quantize(Decimal("0.01")) if elapsed else None
    elif target is not None:
        expected, pace, forecast = target, share, fact
    if goal.closed_at:
        status = "closed"
    elif target is None:
        status = "no_target"
    elif today < period.start:
        status = "not_started"
    elif share is not None and share >= 100 and metric.higher_is_better and additive(metric):
        status = "done"
    elif pace is None:
        status = "ahead" if (share or 0) >= 100 else "behind"
    elif pace >= 100:
        status = "ahead"
    elif pace >= OFF_TRACK_BELOW:
        status = "behind"
    else:
        status = "off_track"
    return Attainment(goal, metric, target, fact, share, expected, pace, forecast, elapsed, status)


def attainments(
    goals: list[Goal],
    today: date | None = None,
    *,
    live: dict[int, Decimal | None] | None = None,
) -> list[Attainment]:
    """The attainment of each goal whose metric still exists, in the order given."""
    metrics = metrics_all()
    targets = targets_of(goals)
    today = today or timezone.localdate()
    return [
        attainment(goal, metrics[goal.metric], targets[goal.pk], today, live=live)
        for goal in goals
        if goal.metric in metrics
    ]


# a share above this counts as this much on the leaderboard (one huge win does not hide the rest)
LEADER_CAP = 150.0


# what a cockpit cell reads of a goal (`targets_of` and `attainment`)
CELL_FIELDS = (
    "metric",
    "level",
    "person",
    "period_kind",
    "period_start",
    "period_end",
    "target",
    "team_target",
    "ramp",
    "closed_at",
    "closed_fact",
    "closed_target",
)

# people per page of the cockpit, and on its leaderboard
COCKPIT_PAGE = 50
LEADERS = 10


@dataclass
class Cockpit:
    metrics: list[Metric]
    # each person of the page with, per metric key, their attainment and the previous
    # period's fact
    rows: list[tuple[User, dict[str, tuple[Attainment, Decimal | None]]]]
    # the best people by their average share of their targets (capped), with how many goals
    # it averages
    leaders: list[tuple[User, float, int]]
    people: int  # with goals in the period, on every page
    page: int
    pages: int


def cockpit(
    user: User, kind: str, period: Period, *, page: int = 1, team: int | None = None
) -> Cockpit:
    """The people's goals of one period the user sees, as a grid a page of people at a time,
    with the previous period's facts (frozen when it was closed) and the leaderboard (ranked
    in SQL from the shares the refresh keeps)."""
    base = goals_visible(user).filter(
        level=Goal.Level.PERSON,
        period_kind=kind,
        period_start=period.start,
        period_end=period.end,
    )
    if team is not None:
        base = base.filter(person__team__in=teams_below(team))
    known = metrics_all()
    keys = sorted(set(base.values_list("metric", flat=True)) & known.keys())
    everyone = list(
        base.order_by("person__full_name", "person").values_list("person", flat=True).distinct()
    )
    pages = max(1, -(-len(everyone) // COCKPIT_PAGE))
    page = min(max(page, 1), pages)
    shown = everyone[(page - 1) * COCKPIT_PAGE : page * COCKPIT_PAGE]
    # a thousand cells: each goal with its figures only, its person from one read of the page's,
    # its fact apart (a goal loaded with its progress refers to it and back: a cycle only the
    # garbage collector frees, a pause every few pages)
    people = User.objects.in_bulk(shown)
    goals = list(
        base.filter(person__in=shown)
        .select_related(None)
        .only(*CELL_FIELDS)
        .order_by("person__full_name", "metric")
    )
    for goal in goals:
        goal.person = people[goal.person_id]
    live = dict(
        GoalProgress.objects.filter(goal__in=[goal.pk for goal in goals]).values_list(
            "goal", "fact"
        )
    )
    items = attainments(goals, live=live)
    before = goal_period(kind, period.start - timedelta(days=1), fiscal_year_start())
    previous: dict[tuple[int | None, str], Decimal | None] = {}
    for person_id, metric, closed_at, closed_fact, fact in (
        goals_visible(user)
        .filter(
            level=Goal.Level.PERSON,
            person__in=shown,
            period_kind=kind,
            period_start=before.start,
            period_end=before.end,
        )
        .values_list("person", "metric", "closed_at", "closed_fact", "progress__fact")
    ):
        previous[(person_id, metric)] = closed_fact if closed_at else fact
    rows: dict[int, tuple[User, dict[str, tuple[Attainment, Decimal | None]]]] = {}
    for item in items:
        person = item.goal.person
        if person is None:  # a person goal always has one (the table's check)
            continue
        row = rows.setdefault(person.pk, (person, {}))
        row[1][item.metric.key] = (item, previous.get((person.pk, item.metric.key)))
    best = (
        base.filter(progress__share__isnull=False)
        .values("person")
        .annotate(
            score=Avg(Least("progress__share", Value(LEADER_CAP), output_field=FloatField())),
            goals=Count("pk"),
        )
        .order_by("-score", "person")[:LEADERS]
    )
    ranked = list(best)
    names = User.objects.in_bulk([row["person"] for row in ranked])
    leaders = [
        (names[row["person"]], round(row["score"], 1), row["goals"])
        for row in ranked
        if row["person"] in names
    ]
    ordered = sorted((known[key] for key in keys), key=lambda metric: str(metric.label))
    return Cockpit(ordered, list(rows.values()), leaders, len(everyone), page, pages)


def subject_of(goal: Goal) -> str:
    if goal.level == Goal.Level.PERSON:
        return str(goal.person)
    if goal.level == Goal.Level.TEAM:
        return str(goal.team)
    return str(Goal.Level.COMPANY.label)


def attainment_row(item: Attainment, currency: str) -> dict[str, Any]:
    """An attainment as the page shows it: figures in the reader's format."""
    unit = item.metric.unit
    goal = item.goal
    return {
        "item": item,
        "goal": goal,
        "title": str(item.metric.label),
        "subject": subject_of(goal),
        "fact": figure_text(item.fact, unit, currency),
        "target": figure_text(item.target, unit, currency),
        "expected": figure_text(item.expected, unit, currency),
        "forecast": figure_text(item.forecast, unit, currency),
        "share": figure_text(item.share, "percent"),
        "pace": figure_text(item.pace, "percent"),
        "drill": _drill(goal),
    }


def _drill(goal: Goal) -> str:
    query = f"from={goal.period_start.isoformat()}&to={goal.period_end.isoformat()}"
    if goal.level == Goal.Level.PERSON:
        query += f"&person={goal.person_id}"
    elif goal.level == Goal.Level.TEAM:
        query += f"&team={goal.team_id}"
    return f"{reverse('metric_detail', args=[goal.metric])}?{query}"


def my_goals(user: User, today: date | None = None) -> list[Goal]:
    """The open goals that are the user's own today: theirs, their team's, the company's."""
    today = today or timezone.localdate()
    mine = Q(person=user) | Q(level=Goal.Level.COMPANY)
    if user.team_id:
        mine |= Q(team=user.team_id)
    return list(
        Goal.objects.select_related("person", "team", "progress")
        .filter(mine, period_start__lte=today, period_end__gte=today, closed_at=None)
        .order_by("period_end", "level", "metric")[:12]
    )
