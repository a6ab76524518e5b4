"""Writing goals: set one or many, close a period (its figures frozen), and refresh the facts
after the records they count change, telling people as they pass 50, 90 and 100 % of a target
or fall behind pace."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.analytics.metrics import Metric, Scope, evaluate
from crm_core.analytics.periods import MAX_DAYS, Period
from crm_core.analytics.selectors import metrics_all, person_grouping
from crm_core.common.figures import figures_refresh_started
from crm_core.common.services import unknown_fields_refuse
from crm_core.goals.models import Goal, GoalProgress
from crm_core.goals.periods import MONTHS_IN, goal_period
from crm_core.goals.selectors import (
    ALERT_SHARES,
    BEHIND_BELOW,
    Attainment,
    attainment,
    goal_setters_scope,
    may_set,
    subject_of,
    targets_of,
)
from crm_core.notifications.models import Notification
from crm_core.notifications.services import Notice, notify_many
from crm_core.workspace.services import fiscal_year_start
from tenants.identity.models import Team, User
from tenants.identity.roles import Role
from tenants.identity.selectors.teams import members_on
from tenants.realtime import broadcast_after_commit, group_name

GOAL_FIELDS = {
    "metric",
    "level",
    "person",
    "team",
    "period_kind",
    "day",
    "period_start",
    "period_end",
    "target",
    "team_target",
    "ramp",
}
# a goal still counts records written after its period ended, until the period is closed
REFRESH_AFTER_END = timedelta(days=62)
# how often the "behind pace" alert may repeat
BEHIND_EVERY = timedelta(days=7)
# whose figures are read: every record (a goal's fact is the company's figure; who may look
# at the goal is decided by goals_visible)
COMPANY_READER = User(role=Role.OWNER, is_active=True)


def _decimal(value: Any, field: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite() or number < 0 or number >= Decimal("1e16"):
        errors[field] = [_("Enter a number from 0 up to 10^16.")]
        return None
    return number.quantize(Decimal("0.01"))


def _ramp(value: Any, errors: dict) -> list[int]:
    if value in (None, "", []):
        return []
    parts = value if isinstance(value, list) else str(value).replace(";", ",").split(",")
    try:
        ramp = [int(str(part).strip().rstrip("%")) for part in parts if str(part).strip()]
    except ValueError:
        errors["ramp"] = [_("Write the ramp as shares of the target by month, e.g. 25, 50, 75.")]
        return []
    if any(share < 0 or share > 100 for share in ramp) or len(ramp) > 24:
        errors["ramp"] = [_("Each month's share is from 0 to 100 %, for at most 24 months.")]
    return ramp


def _period(data: dict, errors: dict) -> tuple[str, Period | None]:
    kind = data.get("period_kind") or Goal.PeriodKind.MONTH
    if kind not in Goal.PeriodKind.values:
        errors["period_kind"] = [_("Choose a month, quarter, half-year, year or custom dates.")]
        return kind, None
    if kind == Goal.PeriodKind.CUSTOM:
        start, end = data.get("period_start"), data.get("period_end")
        if not isinstance(start, date):
            errors["period_start"] = [_("Enter the first day.")]
        if not isinstance(end, date):
            errors["period_end"] = [_("Enter the last day.")]
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                errors["period_end"] = [_("The last day comes before the first.")]
            elif (end - start).days >= MAX_DAYS:
                errors["period_end"] = [_("A goal's period is at most five years.")]
            else:
                return kind, Period(start, end)
        return kind, None
    day = data.get("day") or data.get("period_start") or timezone.localdate()
    if not isinstance(day, date):
        errors["day"] = [_("Enter a day in the period.")]
        return kind, None
    return kind, goal_period(kind, day, fiscal_year_start())


def _clean(actor: User, data: dict, goal: Goal | None = None) -> dict:
    """The goal's fields from `data`, or ValidationError naming each wrong part."""
    unknown_fields_refuse(data, GOAL_FIELDS)
    errors: dict[str, list[str]] = {}
    metrics = metrics_all()
    metric_key = data.get("metric", goal.metric if goal else "")
    if metric_key not in metrics:
        errors["metric"] = [_("Choose one of the metrics.")]
    level = data.get("level", goal.level if goal else Goal.Level.PERSON)
    people, teams, company = goal_setters_scope(actor)
    person = team = None
    if level == Goal.Level.PERSON:
        person = data.get("person", goal.person if goal else None)
        person_id = person.pk if isinstance(person, User) else person
        person = people.filter(pk=person_id).first() if person_id else None
        if person is None:
            errors["person"] = [_("Choose a person whose goals you set.")]
    elif level == Goal.Level.TEAM:
        team = data.get("team", goal.team if goal else None)
        team_id = team.pk if isinstance(team, Team) else team
        team = teams.filter(pk=team_id).first() if team_id else None
        if team is None:
            errors["team"] = [_("Choose a team whose goals you set.")]
    elif level == Goal.Level.COMPANY:
        if not company:
            errors["level"] = [_("Only the owner and administrators set the company's goals.")]
    else:
        errors["level"] = [_("A goal is for a person, a team or the company.")]
    kind, period = (
        _period(data, errors)
        if goal is None
        or data.keys()
        & {
            "period_kind",
            "day",
            "period_start",
            "period_end",
        }
        else (goal.period_kind, Period(goal.period_start, goal.period_end))
    )
    team_target = data.get("team_target", goal.team_target if goal else Goal.TeamTarget.OWN)
    if team_target not in Goal.TeamTarget.values:
        errors["team_target"] = [_("Choose the team's own target or the sum of its members'.")]
    summed = level == Goal.Level.TEAM and team_target == Goal.TeamTarget.SUM
    target = _decimal(data.get("target", goal.target if goal else None), "target", errors)
    if target is None and not summed and "target" not in errors:
        errors["target"] = [_("Enter the target.")]
    ramp = _ramp(data.get("ramp", goal.ramp if goal else []), errors)
    if ramp and level != Goal.Level.PERSON:
        errors["ramp"] = [_("A ramp-up applies to a person's goal.")]
    if errors or period is None:
        raise ValidationError(errors)
    return {
        "metric": metric_key,
        "level": level,
        "person": person,
        "team": team,
        "period_kind": kind,
        "period_start": period.start,
        "period_end": period.end,
        "target": None if summed else target,
        "team_target": team_target if level == Goal.Level.TEAM else Goal.TeamTarget.OWN,
        "ramp": ramp,
    }


def _refuse_closed(goal: Goal) -> None:
    if goal.closed_at is not None:
        raise ValidationError(_("This period is closed; its goals no longer change."))


def _duplicate_check(fields: dict, goal: Goal | None) -> None:
    same = Goal.objects.filter(
        metric=fields["metric"],
        level=fields["level"],
        person=fields["person"],
        team=fields["team"],
        period_start=fields["period_start"],
        period_end=fields["period_end"],
    )
    if goal is not None:
        same = same.exclude(pk=goal.pk)
    if same.exists():
        raise ValidationError(
            {"metric": [_("This goal is already set for this period; change its target instead.")]}
        )


@transaction.atomic
def goal_set(*, actor: User, data: dict, goal: Goal | None = None) -> Goal:
    """A new goal, or a change to one (its target, ramp or period) while its period is open."""
    if goal is not None:
        if not may_set(actor, goal):
            raise PermissionDenied(_("You do not set this goal."))
        _refuse_closed(goal)
    fields = _clean(actor, data, goal)
    _duplicate_check(fields, goal)
    goal = goal or Goal(created_by=actor)
    for name, value in fields.items():
        setattr(goal, name, value)
    goal.save()
    # its figure at once; the alerts come with the refreshes that follow the records
    goals_refresh(goal_ids=[goal.pk], alerts=False)
    return goal


@transaction.atomic
def goals_set_many(
    *, actor: User, metric: str, period_kind: str, day: date, targets: dict[int, Any], ramp: Any
) -> list[Goal]:
    """The same metric and period for many people at once (the grid): a target per person id;
    an empty target leaves that person's goal as it is. Every row is checked before any is
    saved; errors are keyed `target-<person id>`."""
    errors: dict[str, list[str]] = {}
    cleaned: list[dict] = []
    existing = {
        goal.person_id: goal
        for goal in Goal.objects.filter(
            metric=metric, level=Goal.Level.PERSON, person__in=list(targets)
        ).filter(period_kind=period_kind)
    }
    for person_id, target in targets.items():
        if target in (None, ""):
            continue
        data = {
            "metric": metric,
            "level": Goal.Level.PERSON,
            "person": person_id,
            "period_kind": period_kind,
            "day": day,
            "target": target,
            "ramp": ramp,
        }
        try:
            fields = _clean(actor, data)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                key = f"target-{person_id}" if field in ("target", "person") else field
                errors.setdefault(key, []).extend(messages)
            continue
        cleaned.append(fields)
    if errors:
        raise ValidationError(errors)
    saved = []
    for fields in cleaned:
        goal = existing.get(fields["person"].pk)
        if goal is None or goal.period_start != fields["period_start"]:
            goal = Goal.objects.filter(
                metric=metric,
                level=Goal.Level.PERSON,
                person=fields["person"],
                period_start=fields["period_start"],
                period_end=fields["period_end"],
            ).first()
        if goal is not None and goal.closed_at is not None:
            raise ValidationError({f"target-{fields['person'].pk}": [_("This period is closed.")]})
        goal = goal or Goal(created_by=actor)
        for name, value in fields.items():
            setattr(goal, name, value)
        goal.save()
        saved.append(goal)
    goals_refresh(goal_ids=[goal.pk for goal in saved], alerts=False)
    return saved


@transaction.atomic
def goal_delete(*, actor: User, goal: Goal) -> None:
    if not may_set(actor, goal):
        raise PermissionDenied(_("You do not set this goal."))
    _refuse_closed(goal)
    goal.delete()


@transaction.atomic
def goals_close(*, actor: User, period_kind: str, start: date, end: date) -> int:
    """Close a period: the goals the actor sets for it get their figures frozen (target and
    fact as of now) and no longer change. Returns how many were closed."""
    if period_kind not in MONTHS_IN and period_kind != Goal.PeriodKind.CUSTOM:
        raise ValidationError({"period_kind": [_("Choose a period to close.")]})
    if end >= timezone.localdate():
        raise ValidationError({"period": [_("A period is closed after its last day.")]})
    goals = [
        goal
        for goal in Goal.objects.select_for_update(of=("self",))
        .filter(period_kind=period_kind, period_start=start, period_end=end, closed_at=None)
        .select_related("person", "team")
        if may_set(actor, goal)
    ]
    if not goals:
        raise ValidationError({"period": [_("No open goals of yours in this period.")]})
    goals_refresh(goal_ids=[goal.pk for goal in goals], alerts=False)
    targets = targets_of(goals)
    facts = dict(GoalProgress.objects.filter(goal__in=goals).values_list("goal_id", "fact"))
    now = timezone.now()
    for goal in goals:
        goal.closed_fact = facts.get(goal.pk)
        goal.closed_target = targets[goal.pk]
        goal.closed_at, goal.closed_by = now, actor
    Goal.objects.bulk_update(goals, ["closed_fact", "closed_target", "closed_at", "closed_by"])
    _push(goals)
    return len(goals)


# --- Refresh ----------------------------------------------------------------------------------


def _facts(goals: list[Goal], metrics: dict[str, Metric]) -> dict[int, tuple[Decimal | None, int]]:
    """Each goal's fact and record count: the person goals of one metric and period in one
    grouped reading, each team's and the company's in one reading each."""
    facts: dict[int, tuple[Decimal | None, int]] = {}
    people: dict[tuple, list[Goal]] = defaultdict(list)
    for goal in goals:
        metric = metrics[goal.metric]
        period = Period(goal.period_start, goal.period_end)
        if goal.level == Goal.Level.PERSON:
            people[(goal.metric, goal.period_start, goal.period_end)].append(goal)
            continue
        scope = Scope(team=goal.team_id) if goal.level == Goal.Level.TEAM else Scope()
        total = evaluate(
            metric, user=COMPANY_READER, period=period, scope=scope, metrics=metrics
        ).total
        facts[goal.pk] = (_number(total.value), total.count)
    for (key, start, end), group in people.items():
        metric = metrics[key]
        table = evaluate(
            metric,
            user=COMPANY_READER,
            period=Period(start, end),
            groupings=[person_grouping(metric, metrics)],
            metrics=metrics,
        )
        for goal in group:
            cell = table.cells.get((goal.person_id,))
            facts[goal.pk] = (_number(cell.value), cell.count) if cell else (_number(None), 0)
    return facts


def _number(value: Any) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))


def goals_refresh(
    *, goal_ids: Iterable[int] | None = None, today: date | None = None, alerts: bool = True
) -> int:
    """Recount the facts of the open goals (those given, or every goal whose period has begun
    and is not closed, up to two months after its end), store them, tell people of the
    thresholds crossed and push the change to open pages. Returns how many were refreshed."""
    today = today or timezone.localdate()
    goals_query = Goal.objects.filter(closed_at=None)
    if goal_ids is not None:
        goals_query = goals_query.filter(pk__in=list(goal_ids))
    else:
        goals_query = goals_query.filter(
            period_start__lte=today, period_end__gte=today - REFRESH_AFTER_END
        )
    metrics = metrics_all()
    goals = [goal for goal in goals_query if goal.metric in metrics]
    if not goals:
        return 0
    _subjects_attach(goals)
    facts = _facts(goals, metrics)
    targets = targets_of(goals)
    now = timezone.now()
    before = {
        row[0]: row[1:]
        for row in GoalProgress.objects.filter(goal__in=[goal.pk for goal in goals]).values_list(
            "goal", "fact", "records", "share", "told_share", "told_behind_on"
        )
    }
    rows = []
    readings: dict[int, Attainment] = {}
    moved: list[GoalProgress] = []  # the rows to write: new, or with another figure
    changed = []
    for goal in goals:
        fact, count = facts[goal.pk]
        old = before.get(goal.pk)
        if old is None or old[:2] != (fact, count):
            changed.append(goal)
        row = GoalProgress(
            goal_id=goal.pk,
            fact=fact,
            records=count,
            refreshed_at=now,
            told_share=old[3] if old else 0,
            told_behind_on=old[4] if old else None,
        )
        goal.progress = row
        readings[goal.pk] = attainment(goal, metrics[goal.metric], targets[goal.pk], today)
        row.share = readings[goal.pk].share
        rows.append(row)
        if old is None or old[:3] != (fact, count, row.share):
            moved.append(row)
    GoalProgress.objects.bulk_create(
        moved,
        update_conflicts=True,
        unique_fields=["goal"],
        update_fields=["fact", "records", "share", "refreshed_at"],
    )
    audience = _Audience()
    if alerts:
        _alerts(goals, {row.goal_id: row for row in rows}, readings, today, audience)
    if changed:
        _push(changed, audience)
    return len(goals)


def _subjects_attach(goals: list[Goal]) -> None:
    """Each goal's person and team from one read each (not a row of each per goal)."""
    people = User.objects.in_bulk({goal.person_id for goal in goals if goal.person_id})
    teams = Team.objects.in_bulk({goal.team_id for goal in goals if goal.team_id})
    for goal in goals:
        if goal.person_id:
            goal.person = people[goal.person_id]
        if goal.team_id:
            goal.team = teams[goal.team_id]


def goals_refresh_all() -> int:
    """The refresh the queue (or the hourly beat) runs: every open goal."""
    figures_refresh_started()
    return goals_refresh()


class _Audience:
    """Who hears of a goal: the person (a team's goal: its members) and the heads of sales of
    their team, or the owner where the team has no head (a company goal: the owner and
    administrators); read once per refresh, not per goal."""

    def __init__(self) -> None:
        active = User.objects.filter(is_active=True)
        self.heads: dict[int | None, list[User]] = defaultdict(list)
        for head in active.filter(role=Role.SALES_HEAD):
            self.heads[head.team_id].append(head)
        self.owners = list(active.filter(role=Role.OWNER))
        self.managers = list(active.filter(role__in=[Role.OWNER, Role.ADMIN]))
        self.members: dict[int, list[User]] = {}

    def of(self, goal: Goal) -> list[User]:
        if goal.level == Goal.Level.PERSON:
            person = goal.person
            team = getattr(person, "team_id", None)
            above = self.heads[team] if team is not None and self.heads[team] else self.owners
            if person is None or not person.is_active:
                return above
            return [person, *above]
        if goal.level == Goal.Level.TEAM and goal.team_id is not None:
            if goal.team_id not in self.members:
                today = timezone.localdate()
                self.members[goal.team_id] = list(
                    User.objects.filter(pk__in=members_on(goal.team_id, today), is_active=True)
                )
            above = self.heads[goal.team_id] or self.owners
            return [*self.members[goal.team_id], *above]
        return self.managers


def _alerts(
    goals: list[Goal],
    progress: dict[int, GoalProgress],
    readings: dict[int, Attainment],
    today: date,
    audience: _Audience,
) -> None:
    """Tell of the thresholds each goal crossed (50, 90, 100 %) and of pace fallen behind, once
    each; `readings`: the attainments just computed from `progress`, the rows just stored."""
    told_share: dict[int, list[int]] = defaultdict(list)  # share told -> goals
    notices: list[Notice] = []
    told_behind: list[int] = []
    for goal in goals:
        if not goal.period_start <= today <= goal.period_end:
            continue
        row = progress[goal.pk]
        reading = readings[goal.pk]
        if reading.share is None:
            continue
        crossed = [share for share in ALERT_SHARES if reading.share >= share > row.told_share]
        url = f"/goals/{goal.pk}/"
        if crossed:
            row.told_share = crossed[-1]
            told_share[crossed[-1]].append(goal.pk)
            notices.append(
                Notice(
                    tuple(audience.of(goal)),
                    Notification.Kind.GOAL_REACHED,
                    {**_told(goal, reading), "share": crossed[-1]},
                    url,
                )
            )
        elif (
            reading.pace is not None
            and reading.pace < BEHIND_BELOW
            and reading.elapsed >= 0.25
            and (row.told_behind_on is None or today - row.told_behind_on >= BEHIND_EVERY)
        ):
            row.told_behind_on = today
            told_behind.append(goal.pk)
            notices.append(
                Notice(
                    tuple(audience.of(goal)),
                    Notification.Kind.GOAL_BEHIND,
                    {**_told(goal, reading), "pace": round(reading.pace)},
                    url,
                )
            )
    notify_many(notices)
    for share, told in told_share.items():
        GoalProgress.objects.filter(goal__in=told).update(told_share=share)
    GoalProgress.objects.filter(goal__in=told_behind).update(told_behind_on=today)


def _told(goal: Goal, reading: Attainment) -> dict[str, Any]:
    """What a goal's notification says of it (its wording is the reader's language's)."""
    return {
        "goal": str(reading.metric.label),
        "subject": subject_of(goal),
        "period": f"{goal.period_start.isoformat()} – {goal.period_end.isoformat()}",
    }


def _push(goals: list[Goal], audience: _Audience | None = None) -> None:
    """Tell the open pages of everyone who may see these goals to fetch them again (the
    event says nothing of them: each page reads its own under its reader's visibility)."""
    audience = audience or _Audience()
    users: set[int] = {manager.pk for manager in audience.managers}
    for goal in goals:
        if goal.level == Goal.Level.COMPANY:
            staff = User.objects.filter(is_active=True).exclude(role=Role.CUSTOMER)
            users.update(staff.values_list("pk", flat=True))
            break
        users.update(user.pk for user in audience.of(goal))
    broadcast_after_commit([group_name("user", pk) for pk in sorted(users)], {"type": "goals"})
