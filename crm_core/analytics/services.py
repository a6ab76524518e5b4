"""Writes of the analytics: the company's own metrics."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.analytics.metrics import Metric, groupings_for, metric_check
from crm_core.analytics.models import Dashboard, MetricDefinition
from crm_core.analytics.selectors import TILE_DISPLAYS, dashboard_of, metrics_all, role_tiles
from crm_core.common.services import unknown_fields_refuse
from tenants.identity.models import User

METRIC_FIELDS = (
    "name",
    "source",
    "measure",
    "date_field",
    "person",
    "conditions",
    "amount",
    "duration",
    "numerator",
    "denominator",
    "higher_is_better",
    "description",
)


def _may_define(actor: User) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators define metrics."))


@transaction.atomic
def metric_definition_create(*, actor: User, data: dict[str, Any]) -> MetricDefinition:
    """A metric of the company's own, put together from the metrics layer's parts; refused,
    a message per field, when a part does not fit its record type."""
    _may_define(actor)
    unknown_fields_refuse(data, METRIC_FIELDS)
    name = str(data.get("name") or "").strip()
    conditions = data.get("conditions") or []
    if not isinstance(conditions, list | tuple) or not all(isinstance(c, str) for c in conditions):
        raise ValidationError({"conditions": [_("Give the conditions as a list of names.")]})
    measure = data.get("measure") or ""
    ratio = measure == "ratio"
    metric = Metric(
        key="new",
        label=name,
        source="" if ratio else data.get("source") or "",
        measure=measure,
        date="" if ratio else data.get("date_field") or "",
        person="" if ratio else data.get("person") or "",
        conditions=() if ratio else tuple(conditions),
        amount=data.get("amount") or "" if measure in ("sum", "avg") else "",
        duration=data.get("duration") or "" if measure == "duration" else "",
        numerator=data.get("numerator") or "" if ratio else "",
        denominator=data.get("denominator") or "" if ratio else "",
    )
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the metric.")]
    elif MetricDefinition.objects.filter(name__iexact=name).exists() or name.lower() in {
        str(known.label).lower() for known in metrics_all().values()
    }:
        errors["name"] = [_("A metric with this name exists.")]
    try:
        metric_check(metric, metrics_all())
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return MetricDefinition.objects.create(
        name=name,
        source=metric.source,
        measure=metric.measure,
        date_field=metric.date,
        person=metric.person,
        conditions=list(metric.conditions),
        amount=metric.amount,
        duration=metric.duration,
        numerator=metric.numerator,
        denominator=metric.denominator,
        higher_is_better=bool(data.get("higher_is_better", True)),
        description=str(data.get("description") or "")[:255],
        created_by=actor,
    )


def metric_definition_archive(*, actor: User, key: str) -> MetricDefinition:
    _may_define(actor)
    pk = key.removeprefix("custom-")
    definition = (
        MetricDefinition.objects.filter(pk=pk, archived_at=None).first() if pk.isdigit() else None
    )
    if definition is None:
        raise Http404
    users = MetricDefinition.objects.filter(archived_at=None).filter(
        Q(numerator=definition.key) | Q(denominator=definition.key)
    )
    if users.exists():
        raise ValidationError(
            _("“%(name)s” is part of %(users)s; archive that first.")
            % {"name": definition.name, "users": ", ".join(f"“{used.name}”" for used in users)}
        )
    definition.archived_at = timezone.now()
    definition.save(update_fields=["archived_at"])
    return definition


MAX_TILES = 24


def _own_dashboard(actor: User) -> Dashboard:
    """The actor's dashboard, made from their role's tiles the first time they change it."""
    dashboard = dashboard_of(actor)
    if dashboard is None:
        dashboard = Dashboard.objects.create(
            owner=actor,
            name=_("%(name)s's dashboard") % {"name": actor.full_name},
            tiles=role_tiles(actor),
        )
    return dashboard


@transaction.atomic
def dashboard_tile_add(*, actor: User, data: dict[str, Any]) -> Dashboard:
    """A tile added at the end: a metric shown as a figure, trend, leaderboard or split (by one
    of its groupings), or the funnel; refused, a message per field, when it does not fit."""
    unknown_fields_refuse(data, ("display", "metric", "by"))
    display, key, by = data.get("display") or "", data.get("metric") or "", data.get("by") or ""
    errors: dict[str, list[str]] = {}
    metrics = metrics_all()
    if display not in TILE_DISPLAYS:
        errors["display"] = [_("Choose one of the listed ways to show it.")]
    elif display != "funnel":
        metric = metrics.get(key)
        if metric is None:
            errors["metric"] = [_("Choose one of the listed metrics.")]
        elif display == "split" and by not in groupings_for(metric, metrics):
            errors["by"] = [_("Choose a grouping this metric has.")]
    dashboard = _own_dashboard(actor)
    if len(dashboard.tiles) >= MAX_TILES:
        errors["display"] = [_("A dashboard holds at most %(count)s tiles.") % {"count": MAX_TILES}]
    if errors:
        raise ValidationError(errors)
    tile = {"display": display}
    if display != "funnel":
        tile["metric"] = key
    if display == "split":
        tile["by"] = by
    dashboard.tiles = [*dashboard.tiles, tile]
    dashboard.save(update_fields=["tiles", "updated_at"])
    return dashboard


@transaction.atomic
def dashboard_tile_move(*, actor: User, index: int, step: int) -> Dashboard:
    """Move a tile one place earlier (step -1) or later (+1), or remove it (step 0)."""
    dashboard = _own_dashboard(actor)
    tiles = list(dashboard.tiles)
    if not 0 <= index < len(tiles):
        raise ValidationError({"tile": [_("There is no such tile.")]})
    if step == 0:
        tiles.pop(index)
    else:
        target = min(max(index + step, 0), len(tiles) - 1)
        tiles.insert(target, tiles.pop(index))
    dashboard.tiles = tiles
    dashboard.save(update_fields=["tiles", "updated_at"])
    return dashboard


def dashboard_reset(*, actor: User) -> None:
    """Back to the tiles of the actor's role."""
    Dashboard.objects.filter(owner=actor).delete()


def dashboard_share(*, actor: User, shared: bool) -> Dashboard:
    """Share the actor's dashboard with their team (or stop sharing it)."""
    if shared and not actor.team_id:
        raise ValidationError({"team": [_("You are in no team to share it with.")]})
    dashboard = _own_dashboard(actor)
    dashboard.team_id = actor.team_id if shared else None
    dashboard.save(update_fields=["team", "updated_at"])
    return dashboard
