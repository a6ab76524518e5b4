"""Reads of the analytics: every metric (built in and the company's own), and the filters a
reader may use (the period, the teams and people whose figures they may see)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext as _

from crm_core.analytics.metrics import BUILTIN, Metric, Scope
from crm_core.analytics.models import MetricDefinition
from crm_core.analytics.periods import Period, period_from
from crm_core.common.visibility import visibility_scope
from tenants.identity.models import Team, User
from tenants.identity.roles import Role, Visibility


def metric_of(definition: MetricDefinition) -> Metric:
    return Metric(
        key=definition.key,
        label=definition.name,
        source=definition.source,
        measure=definition.measure,
        date=definition.date_field,
        person=definition.person,
        conditions=tuple(definition.conditions),
        amount=definition.amount,
        duration=definition.duration,
        numerator=definition.numerator,
        denominator=definition.denominator,
        higher_is_better=definition.higher_is_better,
        description=definition.description,
        builtin=False,
    )


def metrics_all() -> dict[str, Metric]:
    """The built-in metrics and the company's own (not archived), by key."""
    own = MetricDefinition.objects.filter(archived_at=None)
    metrics = BUILTIN | {definition.key: metric_of(definition) for definition in own}
    return {
        key: metric
        for key, metric in metrics.items()
        if metric.measure != "ratio" or {metric.numerator, metric.denominator} <= metrics.keys()
    }


def metric_get(key: str) -> Metric:
    metric = metrics_all().get(key)
    if metric is None:
        raise Http404
    return metric


def people_for(user: User) -> QuerySet[User]:
    """The staff whose figures `user` may see one by one: everyone, their team, or themselves."""
    staff = User.objects.exclude(role=Role.CUSTOMER).order_by("full_name")
    scope = visibility_scope(user)
    if scope == Visibility.ALL:
        return staff
    if scope == Visibility.TEAM and user.team_id:
        return staff.filter(team=user.team_id)
    return staff.filter(pk=user.pk)


def teams_for(user: User) -> QuerySet[Team]:
    if visibility_scope(user) == Visibility.ALL:
        return Team.objects.order_by("name")
    return Team.objects.filter(pk=user.team_id) if user.team_id else Team.objects.none()


@dataclass(frozen=True)
class Filters:
    period: Period
    scope: Scope

    def query(self) -> str:
        return "&".join(part for part in (self.period.query(), self.scope.query()) if part)


def _number(query: QueryDict, name: str, errors: dict) -> int | None:
    text = query.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        errors[name] = [_("Use an id (a number).")]
        return None
    return int(text)


def filters_from(query: QueryDict, *, user: User, default: str = "this_month") -> Filters:
    """The period and whose figures a query string asks for; ValidationError, a message per
    field, when a part is wrong or names a team or person the reader may not see."""
    errors: dict[str, list[str]] = {}
    try:
        period = period_from(query, default=default)
    except ValidationError as error:
        errors.update(error.message_dict)
        period = period_from(QueryDict(), default=default)
    team = _number(query, "team", errors)
    person = _number(query, "person", errors)
    if team is not None and not teams_for(user).filter(pk=team).exists():
        errors["team"] = [_("No team of yours has this id.")]
    if person is not None and not people_for(user).filter(pk=person).exists():
        errors["person"] = [_("No one whose figures you see has this id.")]
    if errors:
        raise ValidationError(errors)
    return Filters(period, Scope(team=team, person=person))
