"""The metrics layer: one definition of each figure the CRM shows (dashboards, the report
builder, goals), evaluated over the records the reader may see, grouped as asked, money in the
base currency at the dated rate of each amount, and opened down to the records behind it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, DateField, F, Q, QuerySet, Sum
from django.db.models.functions import Trunc, TruncDate
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_core.analytics.periods import Period
from crm_core.analytics.sources import SOURCES, TIME_GRAINS, Grouping, Source, span
from crm_core.workspace.services import RateBook
from tenants.identity.models import User
from tenants.identity.selectors.teams import team_windows

MEASURES = {
    "count": gettext_lazy("Number of records"),
    "sum": gettext_lazy("Sum of an amount"),
    "avg": gettext_lazy("Average amount"),
    "duration": gettext_lazy("Average time between two dates"),
    "ratio": gettext_lazy("Ratio of two metrics, %"),
}
# the most groups one figure is split into; more are cut, and the figure says so
MAX_GROUPS = 500


@dataclass(frozen=True)
class Metric:
    key: str
    label: str | Promise
    source: str = ""
    measure: str = "count"
    date: str = ""
    person: str = ""
    conditions: tuple[str, ...] = ()
    amount: str = ""
    duration: str = ""
    numerator: str = ""
    denominator: str = ""
    higher_is_better: bool = True
    description: str | Promise = ""
    builtin: bool = True

    @property
    def unit(self) -> str:
        if self.measure == "ratio":
            return "percent"
        if self.measure == "duration":
            return SOURCES[self.source].durations[self.duration].unit
        if self.measure in ("sum", "avg"):
            return "money"
        return "count"

    @property
    def money(self) -> bool:
        return self.unit == "money"


BUILTIN: dict[str, Metric] = {
    metric.key: metric
    for metric in (
        Metric(
            "revenue_won",
            gettext_lazy("Revenue won"),
            "deals",
            "sum",
            "closed",
            "owner",
            ("won",),
            amount="amount",
        ),
        Metric(
            "deals_won", gettext_lazy("Deals won"), "deals", "count", "closed", "owner", ("won",)
        ),
        Metric(
            "deals_lost",
            gettext_lazy("Deals lost"),
            "deals",
            "count",
            "closed",
            "owner",
            ("lost",),
            higher_is_better=False,
        ),
        Metric(
            "deals_closed",
            gettext_lazy("Deals closed"),
            "deals",
            "count",
            "closed",
            "owner",
            ("closed",),
        ),
        Metric(
            "win_rate",
            gettext_lazy("Win rate"),
            measure="ratio",
            numerator="deals_won",
            denominator="deals_closed",
        ),
        Metric(
            "average_deal",
            gettext_lazy("Average deal won"),
            "deals",
            "avg",
            "closed",
            "owner",
            ("won",),
            amount="amount",
        ),
        Metric(
            "sales_cycle",
            gettext_lazy("Sales cycle"),
            "deals",
            "duration",
            "closed",
            "owner",
            ("won",),
            duration="cycle",
            higher_is_better=False,
        ),
        Metric(
            "pipeline_created",
            gettext_lazy("Pipeline created"),
            "deals",
            "sum",
            "created",
            "owner",
            amount="amount",
        ),
        Metric(
            "deals_created", gettext_lazy("Deals created"), "deals", "count", "created", "owner"
        ),
        Metric("orders", gettext_lazy("Orders placed"), "orders", "count", "placed", "owner"),
        Metric(
            "order_revenue",
            gettext_lazy("Order revenue"),
            "orders",
            "sum",
            "paid",
            "owner",
            ("revenue",),
            amount="total",
        ),
        Metric(
            "product_revenue",
            gettext_lazy("Product revenue"),
            "order_lines",
            "sum",
            "paid",
            "owner",
            ("revenue",),
            amount="total",
        ),
        Metric(
            "margin",
            gettext_lazy("Margin"),
            "order_lines",
            "sum",
            "paid",
            "owner",
            ("revenue", "costed"),
            amount="margin",
            description=gettext_lazy(
                "Paid order lines whose product has a cost price: revenue less cost."
            ),
        ),
        Metric(
            "calls",
            gettext_lazy("Calls logged"),
            "interactions",
            "count",
            "occurred",
            "created_by",
            ("call",),
        ),
        Metric(
            "meetings",
            gettext_lazy("Meetings logged"),
            "interactions",
            "count",
            "occurred",
            "created_by",
            ("meeting",),
        ),
        Metric(
            "emails",
            gettext_lazy("Emails logged"),
            "interactions",
            "count",
            "occurred",
            "created_by",
            ("email",),
        ),
        Metric(
            "tasks_done",
            gettext_lazy("Tasks done"),
            "tasks",
            "count",
            "done",
            "assignee",
            ("done",),
        ),
        Metric(
            "tasks_overdue",
            gettext_lazy("Tasks overdue"),
            "tasks",
            "count",
            "due",
            "assignee",
            ("overdue",),
            higher_is_better=False,
        ),
        Metric("new_clients", gettext_lazy("New clients"), "contacts", "count", "created", "owner"),
        Metric(
            "tickets_opened",
            gettext_lazy("Requests opened"),
            "tickets",
            "count",
            "opened",
            "assignee",
        ),
        Metric(
            "tickets_answered",
            gettext_lazy("Requests answered"),
            "tickets",
            "count",
            "opened",
            "assignee",
            ("answered",),
        ),
        Metric(
            "tickets_within_sla",
            gettext_lazy("Requests answered within SLA"),
            "tickets",
            "count",
            "opened",
            "assignee",
            ("within_sla",),
        ),
        Metric(
            "sla_rate",
            gettext_lazy("Answered within SLA"),
            measure="ratio",
            numerator="tickets_within_sla",
            denominator="tickets_answered",
        ),
        Metric(
            "first_response",
            gettext_lazy("First response time"),
            "tickets",
            "duration",
            "opened",
            "assignee",
            ("answered",),
            duration="first_response",
            higher_is_better=False,
        ),
    )
}


@dataclass(frozen=True)
class Scope:
    """Whose figures: everyone the reader sees, one team, or one person (the credited one)."""

    team: int | None = None
    person: int | None = None

    def query(self) -> str:
        return "&".join(
            f"{name}={value}"
            for name, value in (("team", self.team), ("person", self.person))
            if value
        )


@dataclass
class Cell:
    """One figure: its value (None when there is nothing to compute it from), how many records
    it is made of, and which amounts could not be converted to the base currency."""

    value: Decimal | float | int | None = None
    count: int = 0
    missing: set[str] = field(default_factory=set)


@dataclass
class Table:
    metric: Metric
    groupings: tuple[str, ...]
    cells: dict[tuple, Cell]
    names: list[dict]  # per grouping: key -> label
    capped: bool = False
    labels: list[str] = field(default_factory=list)  # per grouping: what it splits by

    @property
    def total(self) -> Cell:
        return self.cells.get((), Cell())

    @property
    def missing(self) -> list[str]:
        found: set[str] = set()
        for cell in self.cells.values():
            found |= cell.missing
        return sorted(found)


def metric_check(metric: Metric, metrics: dict[str, Metric] | None = None) -> None:
    """ValidationError, a message per part, when the parts do not fit the record type."""
    errors: dict[str, list[str]] = {}
    if metric.measure not in MEASURES:
        errors["measure"] = [_("Choose one of the listed measures.")]
    elif metric.measure == "ratio":
        known = metrics or BUILTIN
        for part in ("numerator", "denominator"):
            other = known.get(getattr(metric, part))
            if other is None or other.measure == "ratio":
                errors[part] = [_("Choose a metric that is not itself a ratio.")]
    else:
        source = SOURCES.get(metric.source)
        if source is None:
            errors["source"] = [_("Choose one of the listed record types.")]
        else:
            if metric.date not in source.dates:
                errors["date"] = [_("Choose a date this record type has.")]
            if metric.person not in source.people:
                errors["person"] = [_("Choose a person this record type credits.")]
            unknown = [name for name in metric.conditions if name not in source.conditions]
            if unknown:
                errors["conditions"] = [
                    _("Unknown conditions: %(names)s.") % {"names": ", ".join(unknown)}
                ]
            if metric.measure in ("sum", "avg") and metric.amount not in source.amounts:
                errors["amount"] = [_("Choose an amount this record type has.")]
            if metric.measure == "duration" and metric.duration not in source.durations:
                errors["duration"] = [_("Choose a duration this record type has.")]
    if errors:
        raise ValidationError(errors)


def _filtered(
    metric: Metric, *, user: User, period: Period | None, scope: Scope, where: Q | None = None
) -> QuerySet:
    """The records a (non-ratio) metric counts for the reader, in the period and scope (and
    `where`, a condition the caller built from the record type's own fields)."""
    source = SOURCES[metric.source]
    queryset = source.annotate(source.records(user))
    if where is not None:
        queryset = queryset.filter(where)
    for name in metric.conditions:
        queryset = queryset.filter(source.conditions[name][1]())
    date_path = source.dates[metric.date][1]
    if period is not None:
        if _is_date(source, date_path):
            queryset = queryset.filter(
                **{f"{date_path}__gte": period.start, f"{date_path}__lte": period.end}
            )
        else:
            start, end = period.bounds()
            queryset = queryset.filter(**{f"{date_path}__gte": start, f"{date_path}__lt": end})
    if metric.measure == "duration":
        duration = source.durations[metric.duration]
        queryset = queryset.filter(**{f"{duration.end}__isnull": False})
    person_path = source.people[metric.person][1]
    if scope.person:
        queryset = queryset.filter(**{person_path: scope.person})
    if scope.team:
        queryset = queryset.filter(_in_team(scope.team, period, person_path, date_path, source))
    return queryset


def _in_team(
    team: int, period: Period | None, person_path: str, date_path: str, source: Source
) -> Q:
    """Records credited to someone while they were in the team (or a team under it): a person
    who moved counts for each team for the days they were in it."""
    start, end = (period.start, period.end) if period else (None, None)
    condition = Q(pk__in=[])
    for window in team_windows(team, start, end):
        part = Q(**{person_path: window.user})
        if _is_date(source, date_path):
            if window.start:
                part &= Q(**{f"{date_path}__gte": window.start})
            if window.end:
                part &= Q(**{f"{date_path}__lte": window.end})
        else:
            if window.start:
                part &= Q(**{f"{date_path}__gte": Period(window.start, window.start).bounds()[0]})
            if window.end:
                part &= Q(**{f"{date_path}__lt": Period(window.end, window.end).bounds()[1]})
        condition |= part
    return condition


def _is_date(source: Source, path: str) -> bool:
    return path in source.date_only


def grouping_of(metric: Metric, key: str) -> Grouping:
    """A grouping by name: a time grain of the metric's date, or one the record type offers."""
    source = SOURCES[metric.source]
    if key in TIME_GRAINS:
        return Grouping(TIME_GRAINS[key], source.dates[metric.date][1])
    try:
        return source.all_groupings()[key]
    except KeyError:
        raise ValidationError(
            {
                "group": [
                    _("%(name)s cannot be grouped by “%(key)s”.")
                    % {"name": source.label, "key": key}
                ]
            }
        ) from None


def groupings_for(metric: Metric, metrics: dict[str, Metric] | None = None) -> dict[str, Grouping]:
    """The ways the metric can be split (a ratio: those both its parts offer)."""
    if metric.measure == "ratio":
        known = metrics or BUILTIN
        below = groupings_for(known[metric.denominator])
        return {
            key: value
            for key, value in groupings_for(known[metric.numerator]).items()
            if key in below
        }
    source = SOURCES[metric.source]
    return {key: Grouping(label, "") for key, label in TIME_GRAINS.items()} | source.all_groupings()


def _group_expressions(metric: Metric, groupings: Sequence[str]) -> dict[str, Any]:
    expressions: dict[str, Any] = {}
    for index, key in enumerate(groupings):
        grouping = grouping_of(metric, key)
        if key in TIME_GRAINS:
            expressions[f"g{index}"] = Trunc(grouping.path, key, output_field=DateField())
        else:
            expressions[f"g{index}"] = F(grouping.path)
    return expressions


def evaluate(
    metric: Metric,
    *,
    user: User,
    period: Period | None,
    scope: Scope = Scope(),
    groupings: Sequence[str] = (),
    metrics: dict[str, Metric] | None = None,
    where: Q | None = None,
) -> Table:
    """The metric for the reader over the period and scope, split by up to two groupings (a
    time grain, the credited person, a team, or the record type's own), with the total under
    the key ()."""
    if len(groupings) > 2:
        raise ValidationError({"group": [_("A figure is split by at most two groupings.")]})
    if metric.measure == "ratio":
        known = metrics or BUILTIN
        parts: dict[str, Any] = {
            "user": user,
            "period": period,
            "scope": scope,
            "groupings": groupings,
            "where": where,
        }
        top = evaluate(known[metric.numerator], **parts)
        bottom = evaluate(known[metric.denominator], **parts)
        shares: dict[tuple, Cell] = {}
        for key, below in bottom.cells.items():
            above = top.cells.get(key, Cell(value=0))
            share = None
            if below.value:
                share = round(float(above.value or 0) * 100 / float(below.value), 1)
            shares[key] = Cell(share, int(below.value or 0), above.missing | below.missing)
        return Table(
            metric,
            tuple(groupings),
            shares,
            bottom.names,
            top.capped or bottom.capped,
            bottom.labels,
        )

    source = SOURCES[metric.source]
    queryset = _filtered(metric, user=user, period=period, scope=scope, where=where)
    expressions = _group_expressions(metric, groupings)
    keys = list(expressions)
    cells: dict[tuple, Cell] = defaultdict(Cell)
    capped = False
    if metric.measure in ("sum", "avg"):
        amount = source.amounts[metric.amount]
        day_path = source.dates[metric.date][1]
        day = F(day_path) if _is_date(source, day_path) else TruncDate(day_path)
        aggregates: dict[str, Any] = {"total": Sum(amount.value), "n": Count("pk")}
        if amount.cost:
            aggregates["cost"] = Sum(amount.cost)
        rows = (
            queryset.annotate(**expressions, money_currency=F(amount.currency), money_day=day)
            .order_by()
            .values(*keys, "money_currency", "money_day")
            .annotate(**aggregates)
        )
        book = RateBook()
        sums: dict[tuple, Decimal] = defaultdict(Decimal)
        # read at once, not through a server-side cursor: PostgreSQL plans a cursor for its
        # first rows (cursor_tuple_fraction), which made a 2 s grouping take 36 s
        for row in list(rows):
            key = tuple(row[name] for name in keys)
            rate = book.rate(row["money_currency"], row["money_day"])
            for target in {key, ()} | ({key[:1]} if len(key) == 2 else set()):
                cell = cells[target]
                if rate is None:
                    cell.missing.add(book.missing(row["money_currency"], row["money_day"]))
                    continue
                sums[target] += (row["total"] or 0) * rate - (row.get("cost") or 0)
                cell.count += row["n"]
        for key, cell in cells.items():
            total = sums.get(key, Decimal(0))
            if metric.measure == "avg":
                cell.value = (total / cell.count).quantize(Decimal("0.01")) if cell.count else None
            else:
                cell.value = total.quantize(Decimal("0.01"))
    else:
        if metric.measure == "duration":
            duration = source.durations[metric.duration]
            aggregate: Any = Avg(span(duration.start, duration.end))
        else:
            aggregate = Count("pk")
        values = queryset.annotate(**expressions).order_by()
        total_row = values.aggregate(value=aggregate, n=Count("pk"))
        cells[()] = Cell(_scalar(metric, total_row["value"]), total_row["n"])
        if keys:
            rows = values.values(*keys).annotate(value=aggregate, n=Count("pk"))
            sub: dict[tuple, list[dict]] = defaultdict(list)
            for row in rows[: MAX_GROUPS * 20]:
                key = tuple(row[name] for name in keys)
                cells[key] = Cell(_scalar(metric, row["value"]), row["n"])
                if len(key) == 2:
                    sub[key[:1]].append(row)
            for key, grouped in sub.items():
                cells[key] = _combine(metric, grouped)
    if () not in cells:
        cells[()] = Cell(Decimal(0) if metric.money else None, 0)
    firsts = {key[0] for key in cells if key}
    if len(firsts) > MAX_GROUPS:
        capped = True
        keep = set(sorted(firsts, key=lambda value: (value is None, str(value)))[:MAX_GROUPS])
        cells = {key: cell for key, cell in cells.items() if not key or key[0] in keep}
    names = [
        _names(metric, key, {k[index] for k in cells if len(k) > index})
        for index, key in enumerate(groupings)
    ]
    labels = [str(grouping_of(metric, key).label) for key in groupings]
    return Table(metric, tuple(groupings), dict(cells), names, capped, labels)


def _scalar(metric: Metric, value: Any) -> Decimal | float | int | None:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        unit = SOURCES[metric.source].durations[metric.duration].unit
        return round(seconds / (86400 if unit == "days" else 3600), 1)
    return value


def _combine(metric: Metric, parts: list[dict]) -> Cell:
    count = sum(part["n"] for part in parts)
    if metric.measure == "count":
        return Cell(count, count)
    weighted = [(part["value"], part["n"]) for part in parts if part["value"] is not None]
    if not weighted or not count:
        return Cell(None, count)
    total = sum((value.total_seconds() * n for value, n in weighted), 0.0)
    return Cell(_scalar(metric, timedelta(seconds=total / sum(n for _, n in weighted))), count)


def _names(metric: Metric, key: str, values: Iterable) -> dict:
    values = [value for value in values if value is not None]
    if key in TIME_GRAINS:
        return {value: period_label(value, key) for value in values}
    grouping = grouping_of(metric, key)
    if grouping.names:
        return grouping.names(values)
    return {value: str(value) for value in values}


def period_label(value: date | datetime, grain: str) -> str:
    day = value.date() if isinstance(value, datetime) else value
    if grain == "year":
        return str(day.year)
    if grain == "quarter":
        return _("Q%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}
    if grain == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def records(
    metric: Metric,
    *,
    user: User,
    period: Period | None,
    scope: Scope = Scope(),
    metrics: dict[str, Metric] | None = None,
) -> QuerySet:
    """The records behind the figure, as the reader may see them (a ratio: its numerator's)."""
    if metric.measure == "ratio":
        return records(
            (metrics or BUILTIN)[metric.numerator], user=user, period=period, scope=scope
        )
    return _filtered(metric, user=user, period=period, scope=scope)


def drill_rows(metric: Metric, queryset: QuerySet) -> QuerySet:
    """What a drill-down row shows: title, date, credited person, amount and the card's id."""
    source = SOURCES[metric.source]
    fields: dict[str, Any] = {
        "row_pk": F("pk"),
        "row_title": source.title(),
        "row_day": F(source.dates[metric.date][1]),
        "row_person": F(f"{source.people[metric.person][1]}__full_name"),
        "row_card": F(source.card[1]),
    }
    if metric.money:
        amount = source.amounts[metric.amount]
        fields |= {"row_amount": F(amount.value), "row_currency": F(amount.currency)}
    return queryset.values(**fields).order_by(
        F(source.dates[metric.date][1]).desc(nulls_last=True), "-pk"
    )
