"""Client value kept current: a client's figures are recomputed when one of their orders
changes status (after commit), and every client is re-scored hourly by quintile (recency moves
with the calendar); products bought together give cross-sell recommendations with support and
lift. All in SQL over the orders, money at the rate of each order's payment day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm_core.commerce.models import (
    REVENUE_STATUSES,
    ClientValue,
    ClientValueScale,
    Order,
    OrderLine,
    Product,
)
from crm_core.workspace.services import RateBook

Segment = ClientValue.Segment
# first match wins: (segment, condition on the scores)
SEGMENT_RULES: list[tuple[str, Q]] = [
    (Segment.CHAMPIONS, Q(recency_score__gte=4, frequency_score__gte=4, monetary_score__gte=4)),
    (Segment.LOYAL, Q(recency_score__gte=3, frequency_score__gte=4)),
    (Segment.NEW, Q(recency_score__gte=4, orders=1)),
    (Segment.POTENTIAL, Q(recency_score__gte=3, frequency_score__gte=2)),
    (Segment.AT_RISK, Q(recency_score__lte=2, frequency_score__gte=3)),
    (Segment.LOST, Q(recency_score__lte=1)),
    (Segment.ATTENTION, Q()),
]
CHURN_FACTOR = 2  # no purchase for more than twice the usual interval
UPSERTED = (
    "orders",
    "revenue",
    "margin",
    "first_order_at",
    "last_order_at",
    "usual_interval_days",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "churn_risk",
    "missing_rates",
    "updated_at",
)
BATCH = 5000


def _paid(contact_ids: Iterable[int] | None):
    orders = Order.objects.filter(status__in=REVENUE_STATUSES, paid_at__isnull=False)
    return orders if contact_ids is None else orders.filter(contact_id__in=list(contact_ids))


def _raw(contact_ids: list[int], book: RateBook) -> dict[int, dict]:
    """Orders, revenue, margin, first and last order and usual interval of these contacts."""
    values: dict[int, dict] = defaultdict(
        lambda: {
            "orders": 0,
            "revenue": Decimal(0),
            "margin": None,
            "first": None,
            "last": None,
            "missing": set(),
        }
    )
    rows = (
        _paid(contact_ids)
        .values("contact_id", "currency", day=TruncDate("paid_at"))
        .annotate(total=Sum("total"), n=Count("pk"), first=Min("paid_at"), last=Max("paid_at"))
        .order_by()
    )
    for row in rows:
        value = values[row["contact_id"]]
        value["orders"] += row["n"]
        value["first"] = min(filter(None, (value["first"], row["first"])))
        value["last"] = max(filter(None, (value["last"], row["last"])))
        rate = book.rate(row["currency"], row["day"])
        if rate is None:
            value["missing"].add(book.missing(row["currency"], row["day"]))
        else:
            value["revenue"] += row["total"] * rate
    cost = ExpressionWrapper(
        F("quantity") * F("product__cost_price"),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    lines = (
        OrderLine.objects.filter(
            order__contact_id__in=contact_ids,
            order__status__in=REVENUE_STATUSES,
            order__paid_at__isnull=False,
            product__cost_price__isnull=False,
        )
        .values("order__contact_id", "order__currency", day=TruncDate("order__paid_at"))
        .annotate(total=Sum("total"), cost=Sum(cost))
        .order_by()
    )
    for row in lines:
        rate = book.rate(row["order__currency"], row["day"])
        if rate is not None:
            value = values[row["order__contact_id"]]
            value["margin"] = (value["margin"] or Decimal(0)) + row["total"] * rate - row["cost"]
    return values


def _score(value: float, bounds: list[float], *, lower_is_better: bool = False) -> int:
    """1-5: how many of the four quintile boundaries the value passes."""
    if not bounds:
        return 3
    passed = sum(1 for bound in bounds if (value < bound if lower_is_better else value > bound))
    return 1 + passed


def _segment(queryset) -> None:
    """Name each client's segment from their scores, by the rules in order."""
    queryset.update(segment="")
    for name, condition in SEGMENT_RULES:
        queryset.filter(condition, segment="").update(segment=name)


@transaction.atomic
def client_value_refresh(*, contact_ids: Iterable[int]) -> None:
    """Recompute these clients' value from their paid orders and score them on the last full
    scoring's scale (a client without paid orders keeps no row)."""
    ids = sorted(set(contact_ids))
    if not ids:
        return
    book = RateBook()
    raw = _raw(ids, book)
    ClientValue.objects.filter(contact_id__in=ids).exclude(contact_id__in=list(raw)).delete()
    scale = ClientValueScale.objects.filter(pk=1).first()
    now = timezone.now()
    rows = []
    for contact_id, value in raw.items():
        interval = None
        if value["orders"] > 1:
            span_days = (value["last"] - value["first"]).total_seconds() / 86400
            interval = span_days / (value["orders"] - 1)
        days = (now - value["last"]).total_seconds() / 86400
        margin = value["margin"]
        rows.append(
            ClientValue(
                contact_id=contact_id,
                orders=value["orders"],
                revenue=value["revenue"].quantize(Decimal("0.01")),
                margin=margin.quantize(Decimal("0.01")) if margin is not None else None,
                first_order_at=value["first"],
                last_order_at=value["last"],
                usual_interval_days=round(interval, 1) if interval is not None else None,
                recency_score=_score(days, scale.recency if scale else [], lower_is_better=True),
                frequency_score=_score(value["orders"], scale.frequency if scale else []),
                monetary_score=_score(float(value["revenue"]), scale.monetary if scale else []),
                churn_risk=interval is not None and days > CHURN_FACTOR * max(interval, 1),
                missing_rates=sorted(value["missing"]),
                updated_at=now,
            )
        )
    # one statement for the whole batch: the hourly job brings in many clients at once
    ClientValue.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["contact"],
        update_fields=[field for field in UPSERTED],
    )
    _segment(ClientValue.objects.filter(contact_id__in=ids))


RESCORE_SQL = """
UPDATE {table} AS v SET recency_score = s.r, frequency_score = s.f, monetary_score = s.m,
    churn_risk = v.usual_interval_days IS NOT NULL
        AND extract(epoch FROM now() - v.last_order_at) / 86400
            > %s * greatest(v.usual_interval_days, 1)
FROM (
    SELECT contact_id,
           least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY last_order_at))) AS r,
           least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY orders))) AS f,
           least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY revenue))) AS m
    FROM {table}
) AS s
WHERE v.contact_id = s.contact_id
"""

SCALE_SQL = """
SELECT percentile_cont(array[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (
           ORDER BY extract(epoch FROM now() - last_order_at) / 86400),
       percentile_cont(array[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY orders),
       percentile_cont(array[0.2, 0.4, 0.6, 0.8]) WITHIN GROUP (ORDER BY revenue)
FROM {table}
"""


def client_values_rescore() -> int:
    """Re-score every client by quintile (recency, frequency, money: by percent rank, so equal
    figures score alike), name their segments and
    keep the scale for scoring one client between runs; first bring in the clients whose
    orders changed since the last run (all of them on the first). Returns how many clients."""
    scale, _ = ClientValueScale.objects.get_or_create(pk=1)
    changed = _paid(None)
    if scale.scored_at is not None:
        changed = Order.objects.filter(updated_at__gte=scale.scored_at - timedelta(minutes=5))
    started = timezone.now()
    ids = list(changed.values_list("contact_id", flat=True).distinct().order_by())
    for start in range(0, len(ids), BATCH):
        client_value_refresh(contact_ids=ids[start : start + BATCH])
    table = ClientValue._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RESCORE_SQL.format(table=table), [CHURN_FACTOR])
        cursor.execute(SCALE_SQL.format(table=table))
        recency, frequency, monetary = cursor.fetchone()
        _segment(ClientValue.objects.all())
    scale.recency = [round(day, 2) for day in recency or []]
    scale.frequency = list(frequency or [])
    scale.monetary = [float(value) for value in monetary or []]
    scale.scored_at = started
    scale.save()
    return ClientValue.objects.count()


@dataclass(frozen=True)
class Recommendation:
    product: Product
    because: Product  # what the client bought that clients buying this also bought
    together: int  # clients who bought both
    confidence: float  # of the clients who bought `because`, the share who bought this, %
    lift: float  # how much likelier than for any client


CROSS_SELL_SQL = """
WITH bought AS (
    SELECT DISTINCT o.contact_id, l.product_id
    FROM {lines} l JOIN {orders} o ON o.id = l.order_id
    WHERE o.status = ANY(%s) AND o.paid_at IS NOT NULL
),
mine AS (SELECT product_id FROM bought WHERE contact_id = %s),
clients AS (SELECT count(DISTINCT contact_id) AS n FROM bought),
pairs AS (
    SELECT m.product_id AS x, other.product_id AS y, count(*) AS together
    FROM mine m
    JOIN bought b ON b.product_id = m.product_id AND b.contact_id <> %s
    JOIN bought other ON other.contact_id = b.contact_id
        AND other.product_id NOT IN (SELECT product_id FROM mine)
    GROUP BY 1, 2
    HAVING count(*) >= %s
),
buyers AS (SELECT product_id, count(*) AS n FROM bought GROUP BY 1)
SELECT p.x, p.y, p.together,
       p.together::float / bx.n AS confidence,
       (p.together::float / bx.n) / (by_.n::float / c.n) AS lift
FROM pairs p
JOIN buyers bx ON bx.product_id = p.x
JOIN buyers by_ ON by_.product_id = p.y
CROSS JOIN clients c
WHERE (p.together::float / bx.n) / (by_.n::float / c.n) > 1
ORDER BY lift DESC, p.together DESC, p.y
"""


def cross_sell_for(
    *, contact_id: int, limit: int = 5, min_together: int = 2
) -> list[Recommendation]:
    """Products the client has not bought that clients who buy what they bought also buy more
    often than clients at large (lift above 1), strongest lift first (one line per product,
    with the product that suggests it). The statistics are the company's, over every client;
    nothing of another client is shown."""
    sql = CROSS_SELL_SQL.format(lines=OrderLine._meta.db_table, orders=Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(REVENUE_STATUSES), contact_id, contact_id, min_together])
        rows = cursor.fetchall()
    best: dict[int, tuple] = {}
    for x, y, together, confidence, lift in rows:
        if y not in best:
            best[y] = (x, together, confidence, lift)
    chosen = list(best.items())[:limit]
    products = Product.objects.in_bulk({y for y, _ in chosen} | {row[0] for _, row in chosen})
    return [
        Recommendation(
            product=products[y],
            because=products[x],
            together=together,
            confidence=round(confidence * 100, 1),
            lift=round(lift, 2),
        )
        for y, (x, together, confidence, lift) in chosen
    ]


ASSOCIATED_SQL = """
WITH bought AS (
    SELECT DISTINCT o.contact_id, l.product_id
    FROM {lines} l JOIN {orders} o ON o.id = l.order_id
    WHERE o.status = ANY(%s) AND o.paid_at IS NOT NULL
),
takers AS (SELECT contact_id FROM bought WHERE product_id = %s),
pairs AS (
    SELECT b.product_id AS x, count(*) AS together
    FROM bought b JOIN takers t ON t.contact_id = b.contact_id
    WHERE b.product_id <> %s
    GROUP BY 1 HAVING count(*) >= %s
),
buyers AS (SELECT product_id, count(*) AS n FROM bought GROUP BY 1)
SELECT p.x
FROM pairs p JOIN buyers bx ON bx.product_id = p.x,
     (SELECT count(DISTINCT contact_id) AS n FROM bought) AS clients,
     (SELECT count(*) AS n FROM takers) AS taken
WHERE (p.together::float / bx.n) / (taken.n::float / clients.n) > 1
"""


def products_leading_to(*, product_id: int, min_together: int = 2) -> list[int]:
    """The products whose buyers take `product_id` more often than clients at large do (lift
    above 1, at least `min_together` clients bought both): who bought one of them and not it
    is a client to offer it to."""
    sql = ASSOCIATED_SQL.format(lines=OrderLine._meta.db_table, orders=Order._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(REVENUE_STATUSES), product_id, product_id, min_together])
        return [row[0] for row in cursor.fetchall()]
