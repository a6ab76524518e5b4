from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet, Sum
from django.http import Http404, QueryDict

from config.pagination import Ordering
from crm_core.common.visibility import visible_to
from crm_core.deals.filters import BOARD_FILTERS, DealFilter
from crm_core.deals.models import AMOUNT_KEY, CLOSE_KEY, Deal, Pipeline, PipelineStage
from crm_core.deals.pipelines import stages_active
from crm_core.workspace.services import convert_sum, today
from tenants.identity.models import User

CARDS_PER_COLUMN = 100

DEAL_ORDERING = Ordering(
    fields=("created_at", "updated_at", "title", "close_date", "amount_value"),
    default="-created_at",
)


def deals_visible(*, user: User) -> QuerySet[Deal]:
    return visible_to(Deal.objects.filter(archived_at=None), user).select_related(
        "stage", "pipeline", "contact", "company", "owner"
    )


def deals_sortable(queryset: QuerySet[Deal]) -> QuerySet[Deal]:
    return queryset.annotate(close_date=CLOSE_KEY, amount_value=AMOUNT_KEY)


def deal_filterset(*, user: User, query: QueryDict, names: tuple[str, ...] = ()) -> DealFilter:
    """The list's filters over the deals `user` sees (only `names` of them, when given); an
    invalid filter raises ValidationError, a message per field."""
    data = {name: query[name] for name in names if name in query} if names else query
    filterset = DealFilter(data, queryset=deals_visible(user=user))
    if not filterset.is_valid():
        raise ValidationError(
            {
                field: [str(message) for message in errors]
                for field, errors in filterset.errors.items()
            }
        )
    return filterset


def deals_filtered(*, user: User, query: QueryDict) -> QuerySet[Deal]:
    """The deals `user` sees with the list's filters in `query`, sortable by the list's sorts:
    what the list page and the API page and the export writes."""
    return deals_sortable(deal_filterset(user=user, query=query).qs)


def deal_get_for_user(*, user: User, pk: int) -> Deal:
    deal = (
        visible_to(Deal.objects.all(), user)
        .select_related("stage", "pipeline", "contact", "company", "owner")
        .filter(pk=pk)
        .first()
    )
    if deal is None:
        raise Http404
    return deal


@dataclass
class Column:
    stage: PipelineStage
    deals: list[Deal]
    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)


def board_deals(*, user: User, query: QueryDict | None = None) -> QuerySet[Deal]:
    """The deals the board shows `user`: those they see, narrowed by the board's filters."""
    if query is None:
        return deals_visible(user=user)
    return deal_filterset(user=user, query=query, names=BOARD_FILTERS).qs


def pipeline_board(
    *, user: User, pipeline: Pipeline, query: QueryDict | None = None
) -> list[Column]:
    """The kanban columns of a pipeline: cards, count, and totals per currency (plain and
    weighted by the stage's win probability), over the deals the user may see and the board's
    filters in `query` keep."""
    stages = list(stages_active(pipeline))
    visible = board_deals(user=user, query=query).filter(pipeline=pipeline)
    sums: dict[int, dict[str, Decimal]] = defaultdict(dict)
    counts: dict[int, int] = defaultdict(int)
    for row in visible.values("stage_id", "currency").annotate(total=Sum("amount"), count=Sum(1)):
        sums[row["stage_id"]][row["currency"]] = row["total"] or Decimal(0)
        counts[row["stage_id"]] += row["count"]
    columns = []
    for stage in stages:
        deals = list(
            visible.filter(stage=stage).order_by("board_position", "-id")[:CARDS_PER_COLUMN]
        )
        probability = Decimal(stage.probability) / 100
        columns.append(
            Column(
                stage=stage,
                deals=deals,
                count=counts[stage.pk],
                totals=sums[stage.pk],
                weighted={
                    currency: (total * probability).quantize(Decimal("0.01"))
                    for currency, total in sums[stage.pk].items()
                },
            )
        )
    return columns


def pipeline_forecast(*, user: User, pipeline: Pipeline, query: QueryDict | None = None):
    """Σ amount × win probability of the open deals the user sees (and the board's filters
    keep), in the base currency, each converted at the rate of its expected close date (today
    when it has none)."""

    # summed in the database per currency and close date (a million deals are a few hundred
    # rows here), each sum then converted at its date's rate
    rows = (
        board_deals(user=user, query=query)
        .filter(pipeline=pipeline, closed_at=None)
        .exclude(amount=None)
        .order_by()
        .values("currency", "expected_close")
        .annotate(weighted=Sum(F("amount") * F("stage__probability")))
        .values_list("weighted", "currency", "expected_close")
    )
    day = today()
    return convert_sum(
        ((weighted or Decimal(0)) / 100, currency, close or day)
        for weighted, currency, close in rows
    )


def contact_open_deals(*, user: User, contact) -> QuerySet[Deal]:
    return deals_visible(user=user).filter(contact=contact, closed_at=None)


@dataclass
class DealsSummary:
    open: int = 0
    open_totals: dict[str, Decimal] = field(default_factory=dict)
    won: int = 0
    won_totals: dict[str, Decimal] = field(default_factory=dict)
    lost: int = 0


def deals_summary(deals: QuerySet[Deal]) -> DealsSummary:
    """Open, won and lost deals among `deals`, with their amounts per currency."""
    summary = DealsSummary()
    rows = deals.values("stage__is_won", "stage__is_lost", "currency").annotate(
        count=Sum(1), total=Sum("amount")
    )
    for row in rows:
        total = row["total"] or Decimal(0)
        if row["stage__is_won"]:
            summary.won += row["count"]
            summary.won_totals[row["currency"]] = total
        elif row["stage__is_lost"]:
            summary.lost += row["count"]
        else:
            summary.open += row["count"]
            summary.open_totals[row["currency"]] = total
    return summary
