"""The sales funnel from the deals' stage history: per stage, how many deals entered it and got
this far, the conversion to the next stage, the time deals spent in it (median and p90), and
the open deals stuck in it longer than usual; the win rate and the sales velocity beside."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.analytics.metrics import Scope, span
from crm_core.analytics.periods import Period
from crm_core.common.visibility import visible_to
from crm_core.deals.models import Deal, DealMove, Pipeline, PipelineStage
from crm_core.deals.pipelines import pipelines_active
from crm_core.segments.selectors import segments_for
from crm_core.workspace.services import RateBook
from tenants.identity.models import User

MODES = ("cohort", "active")


@dataclass
class StageRow:
    stage: PipelineStage
    entered: int = 0  # deals that moved into this stage
    reached: int = 0  # deals that got this far or further (lost: that were lost)
    conversion: float | None = None  # % of those reaching this stage that reached the next
    median_days: float | None = None
    p90_days: float | None = None
    stalled: int = 0  # open deals in it for longer than its p90


@dataclass
class Funnel:
    pipeline: Pipeline
    mode: str
    rows: list[StageRow]
    deals: int
    won: int
    lost: int
    open: int
    win_rate: float | None
    cycle_days: float | None
    average_won: Decimal | None
    velocity: Decimal | None  # base currency per day: open × average won × win rate / cycle
    missing: list[str] = field(default_factory=list)


def cohort(
    *,
    user: User,
    pipeline: Pipeline,
    period: Period,
    scope: Scope,
    mode: str,
    segment: int | None = None,
) -> QuerySet[Deal]:
    """The deals the funnel counts: created in the period (cohort) or moved in it (active),
    of the pipeline, as the reader may see them, of the person, team or segment asked."""
    deals = visible_to(Deal.objects.filter(archived_at=None, pipeline=pipeline), user)
    start, end = period.bounds()
    if mode == "cohort":
        deals = deals.filter(created_at__gte=start, created_at__lt=end)
    else:
        moved = DealMove.objects.filter(moved_at__gte=start, moved_at__lt=end).values("deal_id")
        deals = deals.filter(pk__in=moved)
    if scope.person:
        deals = deals.filter(owner=scope.person)
    if scope.team:
        deals = deals.filter(owner__team=scope.team)
    if segment:
        deals = deals.filter(contact__segment=segment)
    return deals


STAGE_SQL = """
WITH cohort AS ({cohort}),
stays AS (
    SELECT m.deal_id, m.to_stage_id, m.moved_at,
           lead(m.moved_at) OVER (PARTITION BY m.deal_id ORDER BY m.moved_at, m.id) AS left_at
    FROM {moves} m JOIN cohort c ON c.id = m.deal_id
),
counted AS (
    SELECT * FROM stays WHERE %s::timestamptz IS NULL OR (moved_at >= %s AND moved_at < %s)
),
furthest AS (
    SELECT c.deal_id, max(s.position) AS position
    FROM counted c JOIN {stages} s ON s.id = c.to_stage_id
    WHERE NOT s.is_lost GROUP BY c.deal_id
)
SELECT s.id,
       (SELECT count(DISTINCT deal_id) FROM counted WHERE to_stage_id = s.id),
       (SELECT count(*) FROM furthest f WHERE f.position >= s.position),
       (SELECT percentile_cont(array[0.5, 0.9]) WITHIN GROUP (
            ORDER BY extract(epoch FROM left_at - moved_at))
        FROM stays WHERE to_stage_id = s.id AND left_at IS NOT NULL)
FROM {stages} s WHERE s.pipeline_id = %s
"""


def funnel(
    *,
    user: User,
    pipeline: Pipeline,
    period: Period,
    scope: Scope,
    mode: str = "cohort",
    segment: int | None = None,
) -> Funnel:
    deals = cohort(
        user=user, pipeline=pipeline, period=period, scope=scope, mode=mode, segment=segment
    )
    ids_sql, ids_params = deals.values("id").query.sql_with_params()
    sql = STAGE_SQL.format(
        cohort=ids_sql, moves=DealMove._meta.db_table, stages=PipelineStage._meta.db_table
    )
    start, end = period.bounds()
    window = (start, start, end) if mode == "active" else (None, None, None)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*ids_params, *window, pipeline.pk))
        found = {row[0]: row[1:] for row in cursor.fetchall()}
    stages = list(pipeline.stages.filter(archived_at=None).order_by("position", "id"))
    now = timezone.now()
    rows = []
    for stage in stages:
        entered, reached, quantiles = found.get(stage.pk, (0, 0, None))
        row = StageRow(stage=stage, entered=entered, reached=entered if stage.is_lost else reached)
        if quantiles:
            row.median_days = round(quantiles[0] / 86400, 1)
            row.p90_days = round(quantiles[1] / 86400, 1)
            if not (stage.is_won or stage.is_lost):
                row.stalled = stalled_deals(
                    deals=deals, stage=stage, p90_days=row.p90_days, now=now
                ).count()
        rows.append(row)
    flow = [row for row in rows if not row.stage.is_lost]
    for this, following in zip(flow, flow[1:], strict=False):
        if this.reached:
            this.conversion = round(following.reached * 100 / this.reached, 1)
    totals = deals.aggregate(
        deals=Count("pk"),
        won=Count("pk", filter=Q(stage__is_won=True)),
        lost=Count("pk", filter=Q(stage__is_lost=True)),
        open=Count("pk", filter=Q(closed_at=None)),
        cycle=Avg(span("created_at", "closed_at"), filter=Q(stage__is_won=True)),
    )
    closed = totals["won"] + totals["lost"]
    win_rate = round(totals["won"] * 100 / closed, 1) if closed else None
    cycle_days = round(totals["cycle"].total_seconds() / 86400, 1) if totals["cycle"] else None
    average_won, missing = _average_won(deals)
    velocity = None
    if average_won is not None and win_rate is not None and cycle_days:
        velocity = (
            Decimal(totals["open"])
            * average_won
            * Decimal(win_rate)
            / 100
            / Decimal(str(cycle_days))
        ).quantize(Decimal("0.01"))
    return Funnel(
        pipeline=pipeline,
        mode=mode,
        rows=rows,
        deals=totals["deals"],
        won=totals["won"],
        lost=totals["lost"],
        open=totals["open"],
        win_rate=win_rate,
        cycle_days=cycle_days,
        average_won=average_won,
        velocity=velocity,
        missing=missing,
    )


def _average_won(deals: QuerySet[Deal]) -> tuple[Decimal | None, list[str]]:
    """The average won deal in the base currency, each at the rate of its closing day."""
    book = RateBook()
    total, count, missing = Decimal(0), 0, set()
    rows = (
        deals.filter(stage__is_won=True, amount__isnull=False)
        .values("currency", day=F("closed_at__date"))
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    )
    for row in rows:
        rate = book.rate(row["currency"], row["day"])
        if rate is None:
            missing.add(book.missing(row["currency"], row["day"]))
            continue
        total += row["total"] * rate
        count += row["n"]
    return ((total / count).quantize(Decimal("0.01")) if count else None), sorted(missing)


def stage_deals(
    *, deals: QuerySet[Deal], stage: PipelineStage, mode: str, period: Period
) -> QuerySet[Deal]:
    """The funnel's deals that reached a stage (for the lost stage: that were lost there)."""
    moves = DealMove.objects.filter(deal__in=deals.values("pk"))
    if mode == "active":
        start, end = period.bounds()
        moves = moves.filter(moved_at__gte=start, moved_at__lt=end)
    if stage.is_lost:
        reached = moves.filter(to_stage=stage)
    else:
        reached = moves.filter(
            to_stage__pipeline=stage.pipeline_id,
            to_stage__position__gte=stage.position,
            to_stage__is_lost=False,
        )
    return deals.filter(pk__in=reached.values("deal_id")).select_related("stage", "owner")


def stalled_deals(
    *, deals: QuerySet[Deal], stage: PipelineStage, p90_days: float | None, now=None
) -> QuerySet[Deal]:
    """Open deals in the stage for longer than nine in ten of its past stays lasted."""
    if p90_days is None:
        return deals.none()
    since = (now or timezone.now()) - timedelta(days=p90_days)
    return deals.filter(stage=stage, closed_at=None, stage_entered_at__lt=since)


@dataclass(frozen=True)
class FunnelInputs:
    pipeline: Pipeline
    mode: str = "cohort"
    segment: int | None = None


def funnel_inputs(query: QueryDict) -> FunnelInputs:
    """The funnel's own filters (pipeline, mode, segment) from a query string; ValidationError,
    a message per field, when one is not among those listed."""
    errors: dict[str, list[str]] = {}
    pipelines = pipelines_active().order_by("position", "id")
    wanted = query.get("pipeline", "").strip()
    pipeline = pipelines.filter(pk=wanted).first() if wanted.isdigit() else pipelines.first()
    if pipeline is None:
        errors["pipeline"] = [
            _("Choose one of the listed pipelines.") if wanted else _("Create a pipeline first.")
        ]
    mode = query.get("mode", "").strip() or "cohort"
    if mode not in MODES:
        errors["mode"] = [_("Choose one of the listed modes.")]
    wanted_segment = query.get("segment", "").strip()
    segment = None
    if wanted_segment:
        found = (
            segments_for("contact").filter(pk=wanted_segment) if wanted_segment.isdigit() else None
        )
        if not found:
            errors["segment"] = [_("Choose one of the listed segments.")]
        else:
            segment = int(wanted_segment)
    if errors or pipeline is None:
        raise ValidationError(errors)
    return FunnelInputs(pipeline, mode, segment)
