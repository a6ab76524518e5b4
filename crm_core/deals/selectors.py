from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from crm_core.common.visibility import visible_to
from crm_core.deals.models import Deal, Pipeline, PipelineStage
from crm_core.deals.pipelines import stages_active
from crm_core.workspace.services import convert_sum, today
from tenants.identity.models import User

CARDS_PER_COLUMN = 100


def deals_visible(*, user: User) -> QuerySet[Deal]:
    return visible_to(Deal.objects.filter(archived_at=None), user).select_related(
        "stage", "pipeline", "contact", "company", "owner"
    )


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


def pipeline_board(*, user: User, pipeline: Pipeline) -> list[Column]:
    """The kanban columns of a pipeline: cards, count, and totals per currency (plain and
    weighted by the stage's win probability), over the deals the user may see."""
    stages = list(stages_active(pipeline))
    visible = deals_visible(user=user).filter(pipeline=pipeline)
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


def pipeline_forecast(*, user: User, pipeline: Pipeline):
    """Σ amount × win probability of the open deals the user sees, in the base currency, each
    converted at the rate of its expected close date (today when it has none)."""

    rows = (
        deals_visible(user=user)
        .filter(pipeline=pipeline, closed_at=None)
        .exclude(amount=None)
        .values_list("amount", "currency", "expected_close", "stage__probability")
    )
    return convert_sum(
        ((amount or Decimal(0)) * Decimal(probability) / 100, currency, close or today())
        for amount, currency, close, probability in rows
    )


def contact_open_deals(*, user: User, contact) -> QuerySet[Deal]:
    return deals_visible(user=user).filter(contact=contact, closed_at=None)
