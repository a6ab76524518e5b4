"""Reads of the analytics: every metric (built in and the company's own), and the filters a
reader may use (the period, the teams and people whose figures they may see)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_core.analytics.display import Chart, change, chart_of, figure_text
from crm_core.analytics.funnel import funnel, funnel_inputs
from crm_core.analytics.metrics import BUILTIN, Metric, Scope, evaluate, groupings_for
from crm_core.analytics.models import Dashboard, MetricDefinition, Report
from crm_core.analytics.periods import PRESETS, Period, period_from
from crm_core.common.visibility import visibility_scope
from crm_core.workspace.services import base_currency
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


# What a tile shows: the figure (with its change), its trend over twelve months, a leaderboard
# by credited person, a split by one of its groupings, or (metric-less) the sales funnel.
TILE_DISPLAYS = {
    "figure": gettext_lazy("Figure"),
    "trend": gettext_lazy("Trend over 12 months"),
    "people": gettext_lazy("Leaderboard"),
    "split": gettext_lazy("Split"),
    "funnel": gettext_lazy("Sales funnel"),
}

ROLE_TILES: dict[str, list[dict[str, str]]] = {
    # a rep: their own results and activity
    Visibility.OWN: [
        {"display": "figure", "metric": "revenue_won"},
        {"display": "figure", "metric": "win_rate"},
        {"display": "figure", "metric": "deals_created"},
        {"display": "figure", "metric": "calls"},
        {"display": "trend", "metric": "revenue_won"},
        {"display": "funnel"},
    ],
    # a head of sales: the team's figures and who is ahead
    Visibility.TEAM: [
        {"display": "figure", "metric": "revenue_won"},
        {"display": "figure", "metric": "win_rate"},
        {"display": "figure", "metric": "pipeline_created"},
        {"display": "figure", "metric": "calls"},
        {"display": "people", "metric": "revenue_won"},
        {"display": "trend", "metric": "revenue_won"},
        {"display": "funnel"},
    ],
    # owners and admins: the company's
    Visibility.ALL: [
        {"display": "figure", "metric": "revenue_won"},
        {"display": "figure", "metric": "order_revenue"},
        {"display": "figure", "metric": "new_clients"},
        {"display": "figure", "metric": "tickets_opened"},
        {"display": "trend", "metric": "revenue_won"},
        {"display": "trend", "metric": "pipeline_created"},
        {"display": "funnel"},
        {"display": "people", "metric": "revenue_won"},
        {"display": "split", "metric": "order_revenue", "by": "client"},
        {"display": "split", "metric": "margin", "by": "product"},
        {"display": "trend", "metric": "tickets_opened"},
        {"display": "figure", "metric": "first_response"},
    ],
}


def role_tiles(user: User) -> list[dict[str, str]]:
    return [dict(tile) for tile in ROLE_TILES[visibility_scope(user)]]


def dashboard_of(user: User) -> Dashboard | None:
    """The user's own dashboard, once they have changed their tiles (before: the role's)."""
    return Dashboard.objects.filter(owner=user).first()


def dashboards_shared_with(user: User) -> QuerySet[Dashboard]:
    """Dashboards colleagues share with the user's team."""
    if not user.team_id:
        return Dashboard.objects.none()
    return Dashboard.objects.filter(team=user.team_id).exclude(owner=user).select_related("owner")


def dashboard_shown(user: User, wanted: str) -> tuple[Dashboard | None, list[dict[str, str]]]:
    """The dashboard the home page shows (one shared with the user when asked for) and its
    tiles; a user who never changed theirs gets the tiles of their role."""
    if wanted.isdigit():
        shared = dashboards_shared_with(user).filter(pk=wanted).first()
        if shared is not None:
            return shared, list(shared.tiles)
    own = dashboard_of(user)
    return own, list(own.tiles) if own else role_tiles(user)


def last_twelve_months(period: Period) -> Period:
    end = period.end
    start_index = end.year * 12 + end.month - 1 - 11
    return Period(date(start_index // 12, start_index % 12 + 1, 1), end)


def figure_tile(metric: Metric, *, user: User, filters: Filters, metrics: dict, url: str) -> dict:
    """A metric's figure for the period, its change since the previous one and its link."""
    now = evaluate(metric, user=user, period=filters.period, scope=filters.scope, metrics=metrics)
    before = evaluate(
        metric, user=user, period=filters.period.previous(), scope=filters.scope, metrics=metrics
    )
    currency = base_currency()
    return {
        "metric": metric,
        "text": figure_text(now.total.value, metric.unit, currency),
        "count": now.total.count,
        "change": change(now.total, before.total, metric),
        "previous": figure_text(before.total.value, metric.unit, currency),
        "missing": now.missing,
        "url": f"{url}?{filters.query()}",
    }


def person_grouping(metric: Metric, metrics: dict[str, Metric]) -> str:
    base = metrics[metric.denominator] if metric.measure == "ratio" else metric
    return base.person


def tile_content(
    tile: dict[str, str], *, index: int, user: User, filters: Filters, metrics: dict, urls: dict
) -> dict | None:
    """One tile as the page draws it (None when its metric is gone): `urls` holds the metric
    page's URL by key and the funnel's."""
    display = tile.get("display", "figure")
    currency = base_currency()
    if display == "funnel":
        try:
            inputs = funnel_inputs(QueryDict())
        except ValidationError:
            return None
        result = funnel(
            user=user, pipeline=inputs.pipeline, period=filters.period, scope=filters.scope
        )
        flow = [row for row in result.rows if not row.stage.is_lost]
        link = f"{urls['funnel']}?{filters.query()}"
        chart = Chart(
            id=f"tile-{index}",
            title=_("Sales funnel: %(pipeline)s") % {"pipeline": inputs.pipeline.name},
            spec={
                "kind": "funnel",
                "categories": [row.stage.name for row in flow],
                "series": [{"name": str(_("Reached")), "values": [row.reached for row in flow]}],
                "unit": "count",
                "links": [f"{link}&stage={row.stage.pk}" for row in flow],
            },
            headers=[_("Stage"), _("Reached")],
            rows=[
                {
                    "cells": [row.stage.name, figure_text(row.reached, "count")],
                    "link": f"{link}&stage={row.stage.pk}",
                }
                for row in flow
            ],
        )
        return {
            "index": index,
            "display": display,
            "title": chart.title,
            "chart": chart,
            "url": link,
        }
    metric = metrics.get(tile.get("metric", ""))
    if metric is None:
        return None
    url = urls["metric"](metric.key)
    if display == "figure":
        figure = figure_tile(metric, user=user, filters=filters, metrics=metrics, url=url)
        return {"index": index, "display": display, "title": str(metric.label), "tile": figure}
    period = filters.period
    if display == "trend":
        period, groupings, kind = last_twelve_months(filters.period), ("month",), "line"
        title = _("%(metric)s, last 12 months") % {"metric": metric.label}
    elif display == "people":
        groupings, kind = (person_grouping(metric, metrics),), "bar"
        title = _("%(metric)s by person") % {"metric": metric.label}
    else:
        by = tile.get("by", "")
        if by not in groupings_for(metric, metrics):
            return None
        groupings, kind = (by,), "bar"
        title = _("%(metric)s by %(grouping)s") % {
            "metric": metric.label,
            "grouping": str(groupings_for(metric, metrics)[by].label).lower(),
        }
    table = evaluate(
        metric, user=user, period=period, scope=filters.scope, groupings=groupings, metrics=metrics
    )
    if display == "trend":
        link = f"{url}?{Filters(period, filters.scope).query()}"
    else:
        link = f"{url}?{filters.query()}"
    chart = chart_of(
        table,
        chart_id=f"tile-{index}",
        title=str(title),
        kind=kind,
        currency=currency,
        link=f"{url}?{filters.scope.query() if display == 'trend' else filters.period.query()}",
        limit=10 if display == "split" else 30,
    )
    return {"index": index, "display": display, "title": str(title), "chart": chart, "url": link}


def filters_or_defaults(
    query: QueryDict, *, user: User, default: str = "this_month"
) -> tuple[Filters, dict | None]:
    """A page's filters, or the defaults and what was wrong with the asked ones."""
    try:
        return filters_from(query, user=user, default=default), None
    except ValidationError as error:
        return filters_from(QueryDict(), user=user, default=default), error.message_dict


def filter_choices(user: User, filters: Filters, errors: dict | None) -> dict[str, Any]:
    """What the analytics filter bar offers the reader, and what it holds."""
    return {
        "filters": filters,
        "filter_errors": errors,
        "presets": PRESETS.items(),
        "teams": teams_for(user),
        "people": people_for(user),
    }


def home_context(*, user: User, query: QueryDict) -> dict[str, Any]:
    """The home page's analytics: one period and team filter for the page, the tiles of the
    user's dashboard (or one shared with them, or their role's), and what the form that adds a
    tile offers."""
    filters, errors = filters_or_defaults(query, user=user)
    dashboard, tiles = dashboard_shown(user, query.get("dashboard", ""))
    metrics = metrics_all()
    urls = {
        "metric": lambda key: reverse("metric_detail", args=[key]),
        "funnel": reverse("funnel"),
    }
    shown = []
    for index, tile in enumerate(tiles):
        content = tile_content(
            tile, index=index, user=user, filters=filters, metrics=metrics, urls=urls
        )
        if content is not None:
            shown.append(content)
    own = dashboard is None or dashboard.owner_id == user.pk
    groupings = {
        key: str(grouping.label)
        for metric in metrics.values()
        for key, grouping in groupings_for(metric, metrics).items()
    }
    return {
        **filter_choices(user, filters, errors),
        "tiles": shown,
        "dashboard": dashboard,
        "own_dashboard": own,
        "shared_dashboards": dashboards_shared_with(user),
        "editing": own and query.get("edit") == "1",
        "tile_displays": TILE_DISPLAYS.items(),
        "tile_metrics": metrics.values(),
        "tile_groupings": sorted(groupings.items(), key=lambda item: item[1]),
    }


def reports_for(*, user: User) -> QuerySet[Report]:
    """The user's reports and those their team shares with them."""
    shared = Q(team=user.team_id) if user.team_id else Q(pk__in=[])
    return Report.objects.filter(Q(owner=user) | shared).select_related("owner")


def report_get_for_user(*, user: User, pk: int) -> Report:
    report = reports_for(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report
