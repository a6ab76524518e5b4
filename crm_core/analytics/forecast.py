"""The forecast: open deals by the month they are expected to close and by forecast category
(commit, best case, pipeline), weighted by their stage's probability, beside the revenue won in
each month, all in the base currency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm_core.analytics.metrics import BUILTIN, Scope, evaluate
from crm_core.analytics.periods import Period
from crm_core.common.visibility import visible_to
from crm_core.deals.models import Deal, ForecastCategory, Pipeline, forecast_category_of
from crm_core.workspace.services import RateBook
from tenants.identity.models import User

CATEGORIES = (ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.PIPELINE)


@dataclass
class ForecastMonth:
    month: date
    won: Decimal = Decimal(0)
    by_category: dict[str, Decimal] = field(
        default_factory=lambda: {c: Decimal(0) for c in CATEGORIES}
    )
    weighted: Decimal = Decimal(0)
    deals: int = 0

    @property
    def open_total(self) -> Decimal:
        return sum(self.by_category.values(), Decimal(0))


@dataclass
class Forecast:
    months: list[ForecastMonth]
    total: ForecastMonth
    omitted: int  # open deals their owners left out of the forecast
    undated: int  # open deals without an expected close date (not in any month)
    missing: list[str]


def open_deals(*, user: User, scope: Scope, pipeline: Pipeline | None = None) -> QuerySet[Deal]:
    deals = visible_to(Deal.objects.filter(archived_at=None, closed_at=None), user)
    if pipeline is not None:
        deals = deals.filter(pipeline=pipeline)
    if scope.person:
        deals = deals.filter(owner=scope.person)
    if scope.team:
        deals = deals.filter(owner__team=scope.team)
    return deals


def _months(period: Period) -> list[date]:
    months, day = [], date(period.start.year, period.start.month, 1)
    while day <= period.end:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def forecast(
    *, user: User, period: Period, scope: Scope, pipeline: Pipeline | None = None
) -> Forecast:
    """Open deals are converted at today's rate (their amounts are not due yet); won revenue at
    the rate of the day each deal was won."""
    months = {month: ForecastMonth(month) for month in _months(period)}
    deals = open_deals(user=user, scope=scope, pipeline=pipeline)
    book = RateBook()
    today = timezone.localdate()
    missing: set[str] = set()
    rows = (
        deals.filter(expected_close__gte=period.start, expected_close__lte=period.end)
        .annotate(month=TruncMonth("expected_close"))
        .values("month", "forecast_category", "stage__probability", "currency")
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    omitted = 0
    for row in rows:
        category = forecast_category_of(row["forecast_category"], row["stage__probability"])
        if category == ForecastCategory.OMITTED:
            omitted += row["n"]
            continue
        bucket = months[row["month"]]
        bucket.deals += row["n"]
        rate = book.rate(row["currency"], today)
        if rate is None:
            missing.add(book.missing(row["currency"], today))
            continue
        amount = (row["total"] or Decimal(0)) * rate
        bucket.by_category[category] += amount
        bucket.weighted += amount * row["stage__probability"] / 100
    won = evaluate(
        BUILTIN["revenue_won"],
        user=user,
        period=period,
        scope=scope,
        groupings=("month",),
        where=Q(pipeline=pipeline) if pipeline is not None else None,
    )
    missing |= set(won.missing)
    for key, cell in won.cells.items():
        if key and key[0] in months:
            months[key[0]].won = Decimal(cell.value or 0)
    total = ForecastMonth(period.start)
    for bucket in months.values():
        total.won += bucket.won
        total.weighted += bucket.weighted
        total.deals += bucket.deals
        for category in CATEGORIES:
            total.by_category[category] += bucket.by_category[category]
    undated = deals.filter(expected_close=None).count()
    quantize = Decimal("0.01")
    for bucket in [*months.values(), total]:
        bucket.won = bucket.won.quantize(quantize)
        bucket.weighted = bucket.weighted.quantize(quantize)
        bucket.by_category = {
            key: value.quantize(quantize) for key, value in bucket.by_category.items()
        }
    return Forecast(list(months.values()), total, omitted, undated, sorted(missing))
