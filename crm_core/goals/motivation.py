"""Writing motivation: bonus plans (drafted, approved by the owner, then locked; a change is a
new version), statements closed as snapshots, adjustments with a reason, a person's
acknowledgement and their questions on a line; and reading: whose statements a user sees, a
month's statement as it stands, the what-if of a deal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.analytics.periods import Period
from crm_core.analytics.selectors import people_for
from crm_core.common.services import unknown_fields_refuse
from crm_core.deals.models import Deal
from crm_core.goals.models import (
    Adjustment,
    BonusPlan,
    Goal,
    LineQuestion,
    Statement,
    StatementLine,
)
from crm_core.goals.periods import goal_period
from crm_core.goals.plans import Computed, Line, compute, plan_check, plan_for
from crm_core.goals.selectors import goal_setters_scope
from crm_core.goals.services import goals_close
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from tenants.identity.models import User
from tenants.identity.roles import STAFF_ROLES, Role

PLAN_FIELDS = {"name", "basis", "effective_from", "people", "roles", "components", "gates", "cap"}


def month_of(day: date) -> Period:
    return goal_period("month", day)


# --- Plans ---------------------------------------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators draft bonus plans."))


@transaction.atomic
def plan_save(*, actor: User, data: dict[str, Any], plan: BonusPlan | None = None) -> BonusPlan:
    """A new draft plan, or a change to a draft (an approved plan is locked)."""
    _require_manager(actor)
    unknown_fields_refuse(data, PLAN_FIELDS)
    if plan is not None and plan.is_locked:
        raise ValidationError(_("An approved plan is locked; make a new version to change it."))
    errors: dict[str, list[str]] = {}
    name = str(data.get("name", plan.name if plan else "")).strip()
    if not name:
        errors["name"] = [_("Name the plan.")]
    effective_from = data.get("effective_from", plan.effective_from if plan else None)
    if not isinstance(effective_from, date):
        errors["effective_from"] = [_("Enter the day the plan takes effect.")]
    roles = list(data.get("roles", plan.roles if plan else []))
    if any(role not in STAFF_ROLES for role in roles):
        errors["roles"] = [_("Choose staff roles.")]
    people = data.get("people")
    if people is not None and any(
        not isinstance(person, User) or not person.is_staff_member for person in people
    ):
        errors["people"] = [_("Choose colleagues.")]
    basis = data.get("basis", plan.basis if plan else "")
    try:
        components, gates, cap = plan_check(
            basis=basis,
            components=data.get("components", plan.components if plan else []),
            gates=data.get("gates", plan.gates if plan else []),
            cap=data.get("cap", plan.cap if plan else None),
        )
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    duplicate = BonusPlan.objects.filter(name=name, version=plan.version if plan else 1)
    if plan is not None:
        duplicate = duplicate.exclude(pk=plan.pk)
    if plan is None and BonusPlan.objects.filter(name=name).exists() or duplicate.exists():
        raise ValidationError({"name": [_("A plan with this name exists; make a new version.")]})
    if not isinstance(effective_from, date):  # (refused above; for the type checker)
        raise ValidationError({"effective_from": [_("Enter the day the plan takes effect.")]})
    plan = plan or BonusPlan(created_by=actor)
    plan.name, plan.basis, plan.effective_from = name, basis, effective_from
    plan.roles, plan.components, plan.gates, plan.cap = roles, components, gates, cap
    plan.save()
    if people is not None:
        plan.people.set(people)
    return plan


@transaction.atomic
def plan_approve(*, actor: User, plan: BonusPlan) -> BonusPlan:
    """The owner approves a draft: it is locked and takes effect; the version it follows ends
    the day before."""
    if actor.role != Role.OWNER:
        raise PermissionDenied(_("Only the owner approves bonus plans."))
    if plan.is_locked:
        raise ValidationError(_("This plan is already approved."))
    if not plan.people.exists() and not plan.roles:
        raise ValidationError(_("Assign the plan to people or roles before approving it."))
    plan.approved_at, plan.approved_by = timezone.now(), actor
    plan.save(update_fields=["approved_at", "approved_by"])
    previous = plan.previous
    if previous is not None:
        end = plan.effective_from - timedelta(days=1)
        if previous.effective_to is None or previous.effective_to > end:
            previous.effective_to = end
            previous.save(update_fields=["effective_to"])
    return plan


@transaction.atomic
def plan_new_version(*, actor: User, plan: BonusPlan, effective_from: date) -> BonusPlan:
    """A draft copy of an approved plan, to change and approve: it replaces the plan from
    `effective_from`."""
    _require_manager(actor)
    if not plan.is_locked:
        raise ValidationError(_("Change the draft itself; versions follow approved plans."))
    if effective_from <= plan.effective_from:
        raise ValidationError(
            {"effective_from": [_("A new version takes effect after the plan it follows.")]}
        )
    if plan.next_versions.exists():
        raise ValidationError(_("This plan already has a newer version."))
    copy = BonusPlan.objects.create(
        name=plan.name,
        version=plan.version + 1,
        previous=plan,
        basis=plan.basis,
        effective_from=effective_from,
        roles=plan.roles,
        components=plan.components,
        gates=plan.gates,
        cap=plan.cap,
        created_by=actor,
    )
    copy.people.set(plan.people.all())
    return copy


@transaction.atomic
def plan_delete(*, actor: User, plan: BonusPlan) -> None:
    _require_manager(actor)
    if plan.is_locked:
        raise ValidationError(_("An approved plan is kept; end it with a new version."))
    plan.delete()


# --- Whose statements -----------------------------------------------------------------------------


def statement_people(user: User) -> QuerySet[User]:
    """The people whose statements the user sees: their own (a rep), their team's (a head),
    everyone's (the owner and administrators)."""
    return people_for(user).filter(is_active=True)


def manages(user: User, person: User) -> bool:
    """Whether `user` adjusts and answers for `person`'s bonus: the owner and administrators
    for everyone, a head of sales for the people of their team (never for themselves)."""
    if user.can_manage_team:
        return True
    people, _teams, _company = goal_setters_scope(user)
    return person.pk != user.pk and people.filter(pk=person.pk).exists()


@dataclass
class StatementView:
    """A month's statement as the page shows it: the closed snapshot, or the live figures."""

    person: User
    period: Period
    closed: Statement | None
    computed: Computed | None
    lines: list[Any]
    adjustments: list[Adjustment]

    @property
    def lines_total(self) -> Decimal:
        if self.closed is not None:
            return self.closed.total
        return self.computed.total if self.computed else Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.lines_total + sum((item.amount for item in self.adjustments), Decimal(0))

    @property
    def plan(self) -> BonusPlan | None:
        if self.closed is not None:
            return self.closed.plan
        return self.computed.plan if self.computed else None


def statement_view(person: User, period: Period) -> StatementView:
    closed = Statement.objects.filter(person=person, period_start=period.start).first()
    adjustments = list(
        Adjustment.objects.filter(person=person, period_start=period.start).select_related(
            "created_by"
        )
    )
    if closed is not None:
        lines = list(closed.lines.prefetch_related("questions"))
        return StatementView(person, period, closed, None, lines, adjustments)
    computed = compute(person, period)
    return StatementView(person, period, None, computed, computed.lines, adjustments)


def what_if(deal: Deal) -> Decimal | None:
    """What winning this open deal today would add to its owner's bonus this month."""
    if deal.closed_at is not None or deal.owner is None:
        return None
    period = month_of(timezone.localdate())
    plan = plan_for(deal.owner, period)
    if plan is None or plan.basis != BonusPlan.Basis.WON:
        return None
    before = compute(deal.owner, period, plan=plan).total
    after = compute(deal.owner, period, plan=plan, extra=deal).total
    return after - before


# --- Closing, adjusting, acknowledging ---------------------------------------------------------


def _line_row(statement: Statement, line: Line) -> StatementLine:
    return StatementLine(
        statement=statement,
        kind=line.kind,
        component=line.component,
        record_type=line.record_type,
        record_id=line.record_id,
        title=line.title[:255],
        base=line.base,
        rate=line.rate,
        tier=line.tier[:120],
        amount=line.amount,
        note=line.note[:500],
        claws_id=line.claws,
    )


@transaction.atomic
def statements_close(*, actor: User, period: Period) -> int:
    """Snapshot the month's statements of the people the actor manages who have a plan in it;
    they never change afterwards (adjustments come on top). Returns how many were closed."""
    if period.end >= timezone.localdate():
        raise ValidationError({"period": [_("A period is closed after its last day.")]})
    people, _teams, _company = goal_setters_scope(actor)
    closed = set(
        Statement.objects.filter(period_start=period.start).values_list("person", flat=True)
    )
    count = 0
    now = timezone.now()
    for person in people.exclude(pk__in=closed):
        computed = compute(person, period)
        if computed.plan is None:
            continue
        statement = Statement.objects.create(
            person=person,
            plan=computed.plan,
            period_start=period.start,
            period_end=period.end,
            total=computed.total,
            currency=computed.currency,
            closed_at=now,
            closed_by=actor,
        )
        StatementLine.objects.bulk_create(_line_row(statement, line) for line in computed.lines)
        count += 1
    return count


@transaction.atomic
def month_close(*, actor: User, day: date) -> tuple[int, int]:
    """Close the month holding `day`: its goals' figures frozen and its statements snapshot.
    Returns (goals closed, statements closed)."""
    period = month_of(day)
    goals = 0
    if Goal.objects.filter(
        period_kind=Goal.PeriodKind.MONTH, period_start=period.start, closed_at=None
    ).exists():
        try:
            goals = goals_close(
                actor=actor, period_kind="month", start=period.start, end=period.end
            )
        except ValidationError as error:
            if "period" in error.message_dict and period.end >= timezone.localdate():
                raise
    statements = statements_close(actor=actor, period=period)
    if not goals and not statements:
        raise ValidationError({"period": [_("Nothing of yours is open in this month.")]})
    return goals, statements


@transaction.atomic
def adjustment_add(
    *, actor: User, person: User, period_start: date, amount: Decimal | None, reason: str
) -> Adjustment:
    if not manages(actor, person):
        raise PermissionDenied(_("You do not adjust this person's bonus."))
    errors: dict[str, list[str]] = {}
    if amount is None or amount == 0 or abs(amount) >= Decimal("1e15"):
        errors["amount"] = [_("Enter the amount to add (or, with a minus, to take off).")]
    if not reason.strip():
        errors["reason"] = [_("Say why: the person reads it on their statement.")]
    if errors or amount is None:
        raise ValidationError(errors)
    adjustment = Adjustment.objects.create(
        person=person,
        period_start=month_of(period_start).start,
        amount=amount,
        reason=reason.strip()[:500],
        created_by=actor,
    )
    notify(
        recipients=[person],
        kind=Notification.Kind.BONUS_ADJUSTED,
        params={"actor": actor.full_name, "month": adjustment.period_start.strftime("%Y-%m")},
        url=f"/goals/statements/{person.pk}/{adjustment.period_start:%Y-%m}/",
        actor=actor,
    )
    return adjustment


@transaction.atomic
def statement_acknowledge(*, actor: User, statement: Statement) -> Statement:
    if statement.person_id != actor.pk:
        raise PermissionDenied(_("Only the person acknowledges their own statement."))
    if statement.acknowledged_at is None:
        statement.acknowledged_at = timezone.now()
        statement.save(update_fields=["acknowledged_at"])
    return statement


@transaction.atomic
def line_question(*, actor: User, line: StatementLine, text: str) -> LineQuestion:
    """The person asks about a line of their closed statement; their managers are told."""
    statement = line.statement
    if statement.person_id != actor.pk:
        raise PermissionDenied(_("Only the person asks about their own statement."))
    if not text.strip():
        raise ValidationError({"text": [_("Write your question.")]})
    question = LineQuestion.objects.create(line=line, text=text.strip()[:1000], asked_by=actor)
    heads = User.objects.filter(is_active=True, role=Role.SALES_HEAD, team__in=[actor.team_id])
    owners = User.objects.filter(is_active=True, role__in=[Role.OWNER, Role.ADMIN])
    notify(
        recipients=[*heads, *owners],
        kind=Notification.Kind.BONUS_QUESTION,
        params={"actor": actor.full_name, "month": statement.period_start.strftime("%Y-%m")},
        url=f"/goals/statements/{actor.pk}/{statement.period_start:%Y-%m}/",
        actor=actor,
    )
    return question


@transaction.atomic
def question_answer(*, actor: User, question: LineQuestion, answer: str) -> LineQuestion:
    person = question.line.statement.person
    if not manages(actor, person):
        raise PermissionDenied(_("You do not answer for this person's bonus."))
    if not answer.strip():
        raise ValidationError({"answer": [_("Write the answer.")]})
    question.answer, question.answered_by = answer.strip()[:1000], actor
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    return question
