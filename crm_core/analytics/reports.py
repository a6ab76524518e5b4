"""The report builder: a record type, conditions and field filters, up to two groupings (time,
person, team, the record type's own fields, a segment parameter), a measure and a chart, read
from the builder's query string; refused, a message per field, when a part is unknown or not
the reader's to see. Evaluated by the metrics layer, under the reader's visibility."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_core.analytics.metrics import Metric, Table, evaluate, grouping_of, metric_check
from crm_core.analytics.selectors import Filters, filters_from, people_for, teams_for
from crm_core.analytics.sources import SOURCES, TIME_GRAINS, Grouping
from crm_core.segments.models import Segment
from tenants.identity.models import User

CHARTS = {
    "bar": gettext_lazy("Bars"),
    "stacked": gettext_lazy("Stacked bars"),
    "line": gettext_lazy("Line"),
    "pie": gettext_lazy("Pie"),
    "funnel": gettext_lazy("Funnel"),
    "table": gettext_lazy("Table with totals"),
}
# where each record type keeps its client's segment parameters
PARAMETER_PATHS = {
    "contacts": "segment_values",
    "deals": "contact__segment_values",
    "orders": "contact__segment_values",
    "interactions": "contact__segment_values",
}
FILTER_PREFIX = "f."
PARAMETER_PREFIX = "param."
KNOWN = {
    "source", "measure", "amount", "duration", "date", "condition", "group", "chart",
    "range", "from", "to", "team", "person", "name",
}  # fmt: skip


@dataclass(frozen=True)
class ReportSpec:
    metric: Metric
    groupings: tuple[str, ...]
    filters: dict[str, str]
    chart: str
    period: Filters

    def evaluate(self, user: User) -> Table:
        return evaluate(
            self.metric,
            user=user,
            period=self.period.period,
            scope=self.period.scope,
            groupings=self.groupings,
            where=self.where(),
        )

    def where(self) -> Q | None:
        condition = Q()
        for key, value in self.filters.items():
            condition &= Q(**{report_grouping(self.metric, key).path: value or None})
        return condition or None


def report_grouping(metric: Metric, key: str) -> Grouping:
    """A grouping by name, a segment parameter (`param.<key>`) among them."""
    if key.startswith(PARAMETER_PREFIX):
        name = key.removeprefix(PARAMETER_PREFIX)
        prefix = PARAMETER_PATHS.get(metric.source)
        label = _parameter_label(name)
        if prefix is None or label is None:
            raise ValidationError(
                {
                    "group": [
                        _("“%(key)s” is no segment parameter of these records.") % {"key": name}
                    ]
                }
            )
        return Grouping(label, f"{prefix}__{name}")
    return grouping_of(metric, key)


def _parameter_label(key: str) -> str | None:
    for segment in Segment.objects.all():
        parameter = segment.parameter(key)
        if parameter is not None:
            return str(parameter.get("label") or key)
    return None


def parameter_choices() -> list[tuple[str, str]]:
    """Every segment parameter, as a grouping of the report builder."""
    seen: dict[str, str] = {}
    for segment in Segment.objects.order_by("name"):
        for parameter in segment.parameters:
            seen.setdefault(
                f"{PARAMETER_PREFIX}{parameter['key']}",
                f"{segment.name}: {parameter.get('label') or parameter['key']}",
            )
    return list(seen.items())


def report_spec(query: QueryDict, *, user: User) -> ReportSpec:
    """The report the builder's choices make; ValidationError, a message per field, for an
    unknown field, a part that does not fit the record type, a filter on someone the reader
    may not see, a grouping too many or a period too long."""
    errors: dict[str, list[str]] = {}
    unknown = sorted(
        name for name in query if name not in KNOWN and not name.startswith(FILTER_PREFIX)
    )
    for name in unknown:
        errors[name] = [_("Unknown field.")]
    source = query.get("source", "deals")
    measure = query.get("measure", "count")
    if source not in SOURCES:
        raise ValidationError({**errors, "source": [_("Choose one of the listed record types.")]})
    parts = SOURCES[source]
    metric = Metric(
        key="report",
        label=_("%(measure)s of %(records)s")
        % {"measure": _measure_label(measure), "records": str(parts.label).lower()},
        source=source,
        measure=measure,
        date=query.get("date") or next(iter(parts.dates)),
        person=next(iter(parts.people)),
        conditions=tuple(query.getlist("condition")),
        amount=query.get("amount") or (next(iter(parts.amounts)) if parts.amounts else ""),
        duration=query.get("duration") or (next(iter(parts.durations)) if parts.durations else ""),
    )
    if measure == "ratio":
        errors["measure"] = [_("A ratio is a metric of its own: put it together in Metrics.")]
    else:
        try:
            metric_check(metric)
        except ValidationError as error:
            errors.update(error.message_dict)
    groupings = tuple(part for part in query.getlist("group") if part)
    if len(groupings) > 2:
        errors["group"] = [_("A report is grouped by at most two groupings.")]
    filters: dict[str, str] = {
        name.removeprefix(FILTER_PREFIX): str(query.get(name, ""))
        for name in query
        if name.startswith(FILTER_PREFIX)
    }
    if "measure" not in errors and "source" not in errors:
        for key in (*groupings, *filters):
            try:
                report_grouping(metric, key)
            except ValidationError as error:
                field = "group" if key in groupings else f"{FILTER_PREFIX}{key}"
                errors.setdefault(field, []).extend(error.messages)
        errors.update(_filter_problems(filters, user=user, metric=metric))
    chart = query.get("chart") or ("table" if not groupings else "bar")
    if chart not in CHARTS:
        errors["chart"] = [_("Choose one of the listed charts.")]
    try:
        period = filters_from(query, user=user, default="this_year")
    except ValidationError as error:
        errors.update(error.message_dict)
        period = None
    if errors or period is None:
        raise ValidationError(errors)
    return ReportSpec(metric, groupings, filters, chart, period)


def _measure_label(measure: str) -> str:
    return {
        "count": _("Number"),
        "sum": _("Sum"),
        "avg": _("Average"),
        "duration": _("Average time"),
    }.get(measure, measure)


def _filter_problems(filters: dict[str, str], *, user: User, metric: Metric) -> dict:
    """A filter on a person or team the reader does not see is refused, not left empty."""
    problems: dict[str, list[str]] = {}
    people = set(SOURCES[metric.source].people)
    for key, value in filters.items():
        name = f"{FILTER_PREFIX}{key}"
        if len(value) > 100:
            problems[name] = [_("A filter value is at most 100 characters.")]
        elif (
            key in people
            or key.endswith("_team")
            or key in ("pipeline", "stage", "segment", "product", "client", "topic")
        ):
            if value and not value.isdigit():
                problems[name] = [_("Use an id (a number).")]
            elif key in people and value and not people_for(user).filter(pk=value).exists():
                problems[name] = [_("No one whose figures you see has this id.")]
            elif key.endswith("_team") and value and not teams_for(user).filter(pk=value).exists():
                problems[name] = [_("No team of yours has this id.")]
    return problems


def grouping_choices(source: str) -> list[tuple[str, str]]:
    """What the builder offers to group a record type by."""
    parts = SOURCES[source]
    own = [(key, str(grouping.label)) for key, grouping in parts.all_groupings().items()]
    times = [(key, str(label)) for key, label in TIME_GRAINS.items()]
    params = parameter_choices() if source in PARAMETER_PATHS else []
    return times + own + params
