"""Bonus plans: checking that a plan adds up, and computing a person's statement for a month
from the CRM's records only (no record, no sale, no bonus).

A plan's parts:
- `components`: each a commission on the sales credited to the person (revenue or margin, by
  a rate table whose tiers are marginal, each rate on the part of the total inside its tier,
  or whole-amount brackets, the total's tier setting the rate of all of it), or a bonus by
  the attainment of a goal (a curve of points "at N % pays M % of the on-target bonus",
  straight between points, nothing below the first, the last point's pay above the last),
  each with an optional cap, for the person or for their team;
- `gates`: goals a person must reach a share of, or the month pays nothing;
- `cap`: the most a month's statement pays.

Sales are credited the way the plan's basis says: deals won in the month (to the deal's
credit splits, which hold its owner when it was won), orders invoiced (placed) or paid in the
month (to the order's owner), converted to the base currency at the rate of their day. A sale
that counted in a closed statement and counts less now (a deal reopened, an order cancelled,
returned or refunded) is clawed back in the next statement, at the rate it was paid at.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.analytics.periods import Period
from crm_core.analytics.selectors import metrics_all
from crm_core.commerce.models import REVENUE_STATUSES, Order, OrderLine
from crm_core.deals.models import CreditSplit, Deal
from crm_core.goals.models import BonusPlan, Goal, StatementLine
from crm_core.goals.selectors import attainments
from crm_core.workspace.services import RateBook, base_currency
from tenants.identity.models import User
from tenants.identity.selectors.teams import team_windows

CENT = Decimal("0.01")
BASES = ("revenue", "margin")
MODES = ("marginal", "bracket")
# what a record counts at now, for clawbacks: nothing once cancelled or returned
GONE_STATUSES = (Order.Status.CANCELLED, Order.Status.RETURNED)


# --- Checking a plan ---------------------------------------------------------------------------


def _number(value: Any, errors: dict, key: str, *, low: Decimal = Decimal(0)) -> Decimal | None:
    if value in (None, ""):
        errors.setdefault(key, []).append(_("Enter a number."))
        return None
    try:
        number = Decimal(str(value).replace(" ", "").replace(",", "."))
    except InvalidOperation:
        errors.setdefault(key, []).append(_("Enter a number."))
        return None
    if not number.is_finite() or number < low or number >= Decimal("1e15"):
        errors.setdefault(key, []).append(_("Enter a number from %(low)s up.") % {"low": low})
        return None
    return number


def _optional(value: Any, errors: dict, key: str) -> Decimal | None:
    return None if value in (None, "") else _number(value, errors, key)


def _tiers(raw: Any, errors: dict, key: str) -> list[dict]:
    """Tiers from 0 up, each from where the one before ends, only the last open-ended."""
    if not isinstance(raw, list) or not raw:
        errors.setdefault(key, []).append(_("Give the rate table at least one tier."))
        return []
    tiers = []
    for index, tier in enumerate(raw, 1):
        if not isinstance(tier, dict):
            errors.setdefault(key, []).append(_("Tier %(n)s is not a tier.") % {"n": index})
            continue
        low = _number(tier.get("from", 0), errors, key)
        high = _optional(tier.get("to"), errors, key)
        rate = _number(tier.get("rate"), errors, key)
        if rate is not None and rate > 100:
            errors.setdefault(key, []).append(
                _("Tier %(n)s: a rate is at most 100 %%.") % {"n": index}
            )
        if low is None or rate is None:
            continue
        if high is not None and high <= low:
            errors.setdefault(key, []).append(
                _("Tier %(n)s ends where it begins or before.") % {"n": index}
            )
        tiers.append({"from": low, "to": high, "rate": rate})
    for index, (before, after) in enumerate(zip(tiers, tiers[1:], strict=False), 1):
        end: Decimal | None = before["to"]
        start: Decimal = after["from"] or Decimal(0)
        if end is None:
            errors.setdefault(key, []).append(
                _("Tier %(n)s has no end, yet tier %(next)s follows it.")
                % {"n": index, "next": index + 1}
            )
        elif start < end:
            errors.setdefault(key, []).append(
                _("Tiers %(n)s and %(next)s overlap.") % {"n": index, "next": index + 1}
            )
        elif start > end:
            errors.setdefault(key, []).append(
                _("Between tiers %(n)s and %(next)s amounts earn nothing: make them meet.")
                % {"n": index, "next": index + 1}
            )
    if tiers and tiers[0]["from"] != 0:
        errors.setdefault(key, []).append(_("The first tier starts at 0."))
    return tiers


def _levels(raw: Any, errors: dict, key: str) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        errors.setdefault(key, []).append(_("Give the bonus curve at least one point."))
        return []
    points = []
    for index, point in enumerate(raw, 1):
        if not isinstance(point, dict):
            errors.setdefault(key, []).append(_("Point %(n)s is not a point.") % {"n": index})
            continue
        at = _number(point.get("at"), errors, key)
        pays = _number(point.get("pays"), errors, key)
        if at is not None and pays is not None:
            points.append({"at": at, "pays": pays})
    for index, (before, after) in enumerate(zip(points, points[1:], strict=False), 1):
        if after["at"] <= before["at"]:
            errors.setdefault(key, []).append(
                _("Points %(n)s and %(next)s overlap: each starts above the one before.")
                % {"n": index, "next": index + 1}
            )
    return points


def plan_check(
    *, basis: str, components: Any, gates: Any, cap: Any = None
) -> tuple[list[dict], list[dict], Decimal | None]:
    """The plan's components, gates and cap as stored, or ValidationError naming each part that
    does not add up (`components.2.tiers`, `gates.1.metric`, ...)."""
    errors: dict[str, list[str]] = {}
    metrics = metrics_all()
    if basis not in BonusPlan.Basis.values:
        errors["basis"] = [_("Choose what counts as a sale: deals won, orders invoiced or paid.")]
    if not isinstance(components, list) or not components:
        errors["components"] = [_("A plan pays through at least one component.")]
        components = []
    clean: list[dict] = []
    names: set[str] = set()
    for index, part in enumerate(components, 1):
        key = f"components.{index}"
        if not isinstance(part, dict):
            errors[key] = [_("Not a component.")]
            continue
        kind = part.get("kind")
        name = str(part.get("name") or "").strip()
        if not name:
            errors.setdefault(f"{key}.name", []).append(_("Name the component."))
        elif name in names:
            errors.setdefault(f"{key}.name", []).append(_("Two components have this name."))
        names.add(name)
        item: dict[str, Any] = {"kind": kind, "name": name, "team": bool(part.get("team"))}
        if kind == "commission":
            base = part.get("base", "revenue")
            if base not in BASES:
                errors.setdefault(f"{key}.base", []).append(_("Revenue or margin."))
            elif base == "margin" and basis == BonusPlan.Basis.WON:
                errors.setdefault(f"{key}.base", []).append(
                    _("Margin comes from orders: count sales as orders invoiced or paid.")
                )
            mode = part.get("mode", "marginal")
            if mode not in MODES:
                errors.setdefault(f"{key}.mode", []).append(
                    _("Marginal tiers or whole-amount brackets.")
                )
            tiers = _tiers(part.get("tiers"), errors, f"{key}.tiers")
            item |= {"base": base, "mode": mode, "tiers": [_plain(tier) for tier in tiers]}
        elif kind == "attainment":
            metric = part.get("metric")
            if metric not in metrics:
                errors.setdefault(f"{key}.metric", []).append(_("Choose the metric of a goal."))
            bonus = _number(part.get("bonus"), errors, f"{key}.bonus")
            levels = _levels(part.get("levels"), errors, f"{key}.levels")
            item |= {
                "metric": metric,
                "bonus": _text(bonus),
                "levels": [_plain(level) for level in levels],
            }
        else:
            errors.setdefault(f"{key}.kind", []).append(
                _("A commission on sales or a bonus by attainment.")
            )
        item["cap"] = _text(_optional(part.get("cap"), errors, f"{key}.cap"))
        unknown = sorted(
            set(part)
            - {"kind", "name", "team", "cap", "base", "mode", "tiers", "metric", "bonus", "levels"}
        )
        if unknown:
            errors.setdefault(key, []).append(
                _("Unknown parts: %(names)s.") % {"names": ", ".join(unknown)}
            )
        clean.append(item)
    clean_gates = []
    for index, gate in enumerate(gates or [], 1):
        key = f"gates.{index}"
        if not isinstance(gate, dict):
            errors[key] = [_("Not a gate.")]
            continue
        if gate.get("metric") not in metrics:
            errors.setdefault(f"{key}.metric", []).append(
                _("The gate's metric “%(metric)s” does not exist.")
                % {"metric": gate.get("metric") or ""}
            )
        share = _number(gate.get("min_share"), errors, f"{key}.min_share")
        clean_gates.append({"metric": gate.get("metric"), "min_share": _text(share)})
    plan_cap = _optional(cap, errors, "cap")
    if errors:
        raise ValidationError(errors)
    return clean, clean_gates, plan_cap


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _plain(item: dict) -> dict:
    return {
        key: _text(value) if isinstance(value, Decimal) else value for key, value in item.items()
    }


# --- Which plan ------------------------------------------------------------------------------


def plan_for(person: User, period: Period) -> BonusPlan | None:
    """The approved plan in effect for the person in the period: one assigned to them by name
    before one assigned to their role; the latest in effect if several."""
    plans = BonusPlan.objects.filter(
        Q(effective_to=None) | Q(effective_to__gte=period.start),
        approved_at__isnull=False,
        effective_from__lte=period.end,
    ).order_by("-effective_from", "-version")
    named = plans.filter(people=person).first()
    return named or plans.filter(roles__contains=[person.role]).first()


# --- Sales -----------------------------------------------------------------------------------


@dataclass
class Sale:
    record_type: str  # deal, order
    record_id: int
    title: str
    day: date
    revenue: Decimal | None  # in the base currency; None when no rate converts it
    margin: Decimal | None
    note: str = ""


def _convert(book: RateBook, amount: Decimal, currency: str, day: date) -> Decimal | None:
    rate = book.rate(currency, day)
    return None if rate is None else (amount * rate).quantize(CENT)


def _day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _deal_sales(person: User, period: Period, book: RateBook, extra: Deal | None) -> list[Sale]:
    start, end = period.bounds()
    deals = Deal.objects.filter(
        stage__is_won=True, closed_at__gte=start, closed_at__lt=end
    ).select_related("stage")
    split_deals = CreditSplit.objects.filter(person=person).values("deal")
    deals = deals.filter(Q(pk__in=split_deals) | Q(owner=person, credit_splits=None))
    shares: dict[int, list[tuple[Decimal, str]]] = defaultdict(list)
    for deal_id, share, kind in CreditSplit.objects.filter(
        person=person, deal__in=deals
    ).values_list("deal", "share", "kind"):
        shares[deal_id].append((share, kind))
    found = list(deals.distinct())
    if extra is not None and extra.pk not in {deal.pk for deal in found}:
        found.append(extra)
    sales = []
    for deal in found:
        is_extra = extra is not None and deal.pk == extra.pk
        day = _day(deal.closed_at) if deal.closed_at and not is_extra else timezone.localdate()
        parts = shares.get(deal.pk) or [(Decimal(100), CreditSplit.Kind.REVENUE)]
        amount = _convert(book, deal.amount or Decimal(0), deal.currency, day)
        for share, kind in parts:
            note = ""
            if share != 100 or kind == CreditSplit.Kind.OVERLAY:
                note = _("%(share)s %% credit (%(kind)s)") % {
                    "share": format(share.normalize(), "f"),
                    "kind": CreditSplit.Kind(kind).label,
                }
            if amount is None:
                note = book.missing(deal.currency, day)
            sales.append(
                Sale(
                    "deal",
                    deal.pk,
                    deal.title,
                    day,
                    None if amount is None else (amount * share / 100).quantize(CENT),
                    None,
                    note,
                )
            )
    return sales


def _order_margins(
    orders: list[Order], book: RateBook, days: dict[int, date]
) -> dict[int, Decimal]:
    """Each order's margin in the base currency: its lines whose product has a cost price,
    the line's total at the order day's rate less quantity x cost (kept in the base currency)."""
    margins: dict[int, Decimal] = defaultdict(Decimal)
    for line in OrderLine.objects.filter(
        order__in=orders, product__cost_price__isnull=False
    ).values("order", "order__currency", "total", "quantity", "product__cost_price"):
        rate = book.rate(line["order__currency"], days[line["order"]])
        if rate is None:
            continue
        cost = Decimal(line["quantity"]) * Decimal(line["product__cost_price"] or 0)
        margins[line["order"]] += Decimal(line["total"]) * rate - cost
    return {key: value.quantize(CENT) for key, value in margins.items()}


def order_counted(order: Order, basis: str) -> Decimal:
    """What an order counts at now in its own currency: nothing once cancelled or returned
    (or, on the paid basis, not paid), its total less what was refunded."""
    if order.status in GONE_STATUSES or order.status == Order.Status.DRAFT:
        return Decimal(0)
    if basis == BonusPlan.Basis.PAID and order.status not in REVENUE_STATUSES:
        return Decimal(0)
    refunded = order.payments.aggregate(total=Sum("refunded"))["total"] or Decimal(0)
    return max(order.total - refunded, Decimal(0))


def _order_sales(person: User, period: Period, book: RateBook, basis: str) -> list[Sale]:
    start, end = period.bounds()
    if basis == BonusPlan.Basis.PAID:
        orders = Order.objects.filter(
            owner=person, paid_at__gte=start, paid_at__lt=end, status__in=REVENUE_STATUSES
        )
        moment = "paid_at"
    else:
        orders = Order.objects.filter(
            owner=person, placed_at__gte=start, placed_at__lt=end
        ).exclude(status__in=(*GONE_STATUSES, Order.Status.DRAFT))
        moment = "placed_at"
    found = list(orders.prefetch_related("payments"))
    days = {order.pk: _day(getattr(order, moment)) for order in found}
    margins = _order_margins(found, book, days)
    sales = []
    for order in found:
        day = days[order.pk]
        counted = order_counted(order, basis)
        revenue = _convert(book, counted, order.currency, day)
        margin = margins.get(order.pk)
        if margin is not None and order.total and counted != order.total:
            margin = (margin * counted / order.total).quantize(CENT)
        note = book.missing(order.currency, day) if revenue is None else ""
        sales.append(Sale("order", order.pk, order.number, day, revenue, margin, note))
    return sales


def sales_of(
    person: User, period: Period, basis: str, *, book: RateBook, extra: Deal | None = None
) -> list[Sale]:
    if basis == BonusPlan.Basis.WON:
        sales = _deal_sales(person, period, book, extra)
    else:
        sales = _order_sales(person, period, book, basis)
    return sorted(sales, key=lambda sale: (sale.day, sale.record_id))


def _team_sales(person: User, period: Period, basis: str, book: RateBook) -> list[Sale]:
    """The sales of everyone in the person's team, each for the days they were in it."""
    sales: list[Sale] = []
    for window in team_windows(person.team_id, period.start, period.end):
        member = User.objects.get(pk=window.user)
        span = Period(window.start or period.start, window.end or period.end)
        sales += sales_of(member, span, basis, book=book)
    return sorted(sales, key=lambda sale: (sale.day, sale.record_id))


# --- Computing a statement ---------------------------------------------------------------------


@dataclass
class Line:
    kind: str
    component: str
    title: str
    amount: Decimal
    record_type: str = ""
    record_id: int | None = None
    base: Decimal | None = None
    rate: Decimal | None = None
    tier: str = ""
    note: str = ""
    claws: int | None = None


@dataclass
class Computed:
    person: User
    period: Period
    plan: BonusPlan | None
    currency: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0)).quantize(CENT)


def _money(value: Decimal) -> str:
    return format(value.quantize(CENT), ",f")


def _tier_label(tier: dict) -> str:
    low = Decimal(tier["from"])
    if tier["to"] is None:
        return _("from %(low)s") % {"low": _money(low)}
    return f"{_money(low)} – {_money(Decimal(tier['to']))}"


def _commission(part: dict, sales: list[Sale]) -> list[Line]:
    amounts = [(sale, sale.margin if part["base"] == "margin" else sale.revenue) for sale in sales]
    tiers = part["tiers"]
    lines: list[Line] = []
    counted = [(sale, amount) for sale, amount in amounts if amount is not None]
    for sale, amount in amounts:
        if amount is None:
            lines.append(
                Line(
                    StatementLine.Kind.SALE,
                    part["name"],
                    sale.title,
                    Decimal(0),
                    sale.record_type,
                    sale.record_id,
                    note=sale.note or _("no cost price: no margin to count"),
                )
            )
    if part["mode"] == "bracket":
        total = sum((amount for _sale, amount in counted), Decimal(0))
        tier = next(
            (
                tier
                for tier in tiers
                if Decimal(tier["from"]) <= total
                and (tier["to"] is None or total < Decimal(tier["to"]))
            ),
            tiers[-1],
        )
        rate = Decimal(tier["rate"])
        label = _("bracket %(tier)s (the month's total %(total)s)") % {
            "tier": _tier_label(tier),
            "total": _money(total),
        }
        for sale, amount in counted:
            lines.append(
                Line(
                    StatementLine.Kind.SALE,
                    part["name"],
                    sale.title,
                    (amount * rate / 100).quantize(CENT),
                    sale.record_type,
                    sale.record_id,
                    amount,
                    rate,
                    label,
                    sale.note,
                )
            )
        return lines
    # marginal: the sales fill the tiers in the order they were made
    filled = Decimal(0)
    for sale, amount in counted:
        left = amount
        for tier in tiers:
            low = Decimal(tier["from"])
            high = None if tier["to"] is None else Decimal(tier["to"])
            if high is not None and filled >= high:
                continue
            part_amount = left if high is None else min(left, high - max(filled, low))
            if part_amount <= 0:
                continue
            rate = Decimal(tier["rate"])
            lines.append(
                Line(
                    StatementLine.Kind.SALE,
                    part["name"],
                    sale.title,
                    (part_amount * rate / 100).quantize(CENT),
                    sale.record_type,
                    sale.record_id,
                    part_amount,
                    rate,
                    _("tier %(tier)s") % {"tier": _tier_label(tier)},
                    sale.note,
                )
            )
            filled += part_amount
            left -= part_amount
            if left <= 0:
                break
        if amount == 0:
            lines.append(
                Line(
                    StatementLine.Kind.SALE,
                    part["name"],
                    sale.title,
                    Decimal(0),
                    sale.record_type,
                    sale.record_id,
                    Decimal(0),
                    note=sale.note,
                )
            )
    return lines


def curve_pays(levels: list[dict], share: Decimal) -> Decimal:
    """The share (%) of the on-target bonus a goal's attainment pays."""
    points = [(Decimal(point["at"]), Decimal(point["pays"])) for point in levels]
    if not points or share < points[0][0]:
        return Decimal(0)
    for (at, pays), (next_at, next_pays) in zip(points, points[1:], strict=False):
        if at <= share < next_at:
            return pays + (next_pays - pays) * (share - at) / (next_at - at)
    return points[-1][1]


def _goal_share(person: User, metric: str, period: Period, team: bool) -> Decimal | None:
    goals = Goal.objects.filter(
        metric=metric, period_start=period.start, period_end=period.end
    ).select_related("progress", "person")
    goal = (
        goals.filter(level=Goal.Level.TEAM, team=person.team_id).first()
        if team
        else goals.filter(level=Goal.Level.PERSON, person=person).first()
    )
    if goal is None:
        return None
    found = attainments([goal])
    if not found or found[0].share is None:
        return Decimal(0)
    return Decimal(str(found[0].share))


def _attainment(part: dict, person: User, period: Period) -> list[Line]:
    share = _goal_share(person, part["metric"], period, bool(part.get("team")))
    label = ", ".join(f"{point['at']} % → {point['pays']} %" for point in part["levels"])
    metric = metrics_all().get(part["metric"])
    title = str(metric.label) if metric else part["metric"]
    if share is None:
        return [
            Line(
                StatementLine.Kind.BONUS,
                part["name"],
                title,
                Decimal(0),
                tier=label,
                note=_("no goal for this month: nothing to pay on"),
            )
        ]
    pays = curve_pays(part["levels"], share)
    amount = (Decimal(part["bonus"]) * pays / 100).quantize(CENT)
    return [
        Line(
            StatementLine.Kind.BONUS,
            part["name"],
            title,
            amount,
            base=share,
            rate=pays.quantize(Decimal("0.0001")),
            tier=label,
            note=_("%(share)s %% of the goal pays %(pays)s %% of %(bonus)s")
            % {"share": share, "pays": pays.quantize(Decimal("0.1")), "bonus": part["bonus"]},
        )
    ]


def _capped(lines: list[Line], cap: str | None, component: str) -> list[Line]:
    if cap is None:
        return lines
    total = sum((line.amount for line in lines), Decimal(0))
    limit = Decimal(cap)
    if total <= limit:
        return lines
    return [
        *lines,
        Line(
            StatementLine.Kind.CAP,
            component,
            _("Cap"),
            limit - total,
            tier=_money(limit),
            note=_("pays at most %(cap)s") % {"cap": _money(limit)},
        ),
    ]


def _clawbacks(person: User, period: Period, basis: str, book: RateBook) -> list[Line]:
    """Sales paid in earlier closed statements that count less now, taken back at the rate
    they were paid at (less what was already taken back)."""
    lines = StatementLine.objects.filter(
        statement__person=person,
        statement__period_start__lt=period.start,
        kind=StatementLine.Kind.SALE,
        record_id__isnull=False,
    ).select_related("statement")
    by_record: dict[tuple[str, int], list[StatementLine]] = defaultdict(list)
    for line in lines:
        if line.record_id is not None:
            by_record[(line.record_type, line.record_id)].append(line)
    taken = dict(
        StatementLine.objects.filter(claws__in=lines)
        .values("claws")
        .annotate(total=Sum("amount"))
        .values_list("claws", "total")
    )
    orders = Order.objects.in_bulk([key[1] for key in by_record if key[0] == "order"])
    deals = Deal.objects.select_related("stage").in_bulk(
        [key[1] for key in by_record if key[0] == "deal"]
    )
    result = []
    for (record_type, record_id), paid_lines in by_record.items():
        if record_type == "order":
            order = orders.get(record_id)
            now = Decimal(0) if order is None else order_counted(order, basis)
            whole = Decimal(0) if order is None else order.total
            share = now / whole if whole else Decimal(0)
            title = order.number if order else str(record_id)
            why = _("order %(number)s now counts at %(share)s %% (cancelled, returned or refunded)")
        else:
            deal = deals.get(record_id)
            share = Decimal(1) if deal is not None and deal.stage.is_won else Decimal(0)
            title = deal.title if deal else str(record_id)
            why = _("deal %(number)s is no longer won")
        if share >= 1:
            continue
        for line in paid_lines:
            owed = (line.amount * (1 - share)).quantize(CENT)
            already = -(taken.get(line.pk) or Decimal(0))
            back = owed - already
            if back <= 0:
                continue
            result.append(
                Line(
                    StatementLine.Kind.CLAWBACK,
                    line.component,
                    title,
                    -back,
                    record_type,
                    record_id,
                    line.base,
                    line.rate,
                    line.tier,
                    why % {"number": title, "share": (share * 100).quantize(Decimal("0.1"))}
                    + " · "
                    + _("paid in the statement of %(month)s")
                    % {"month": line.statement.period_start.strftime("%Y-%m")},
                    line.pk,
                )
            )
    return result


def compute(
    person: User, period: Period, *, plan: BonusPlan | None = None, extra: Deal | None = None
) -> Computed:
    """The person's statement for the period as the records stand now (`extra`: a deal counted
    as if won today, for the what-if)."""
    plan = plan or plan_for(person, period)
    book = RateBook()
    result = Computed(person, period, plan, base_currency())
    if plan is None:
        return result
    own = sales_of(person, period, plan.basis, book=book, extra=extra)
    team: list[Sale] | None = None
    for part in plan.components:
        if part["kind"] == "commission":
            sales = own
            if part.get("team"):
                team = team if team is not None else _team_sales(person, period, plan.basis, book)
                sales = team
            lines = _commission(part, sales)
        else:
            lines = _attainment(part, person, period)
        result.lines += _capped(lines, part.get("cap"), part["name"])
    for gate in plan.gates:
        share = _goal_share(person, gate["metric"], period, False)
        minimum = Decimal(gate["min_share"])
        if share is not None and share >= minimum:
            continue
        metric = metrics_all().get(gate["metric"])
        name = str(metric.label) if metric else gate["metric"]
        earned = result.total
        result.lines.append(
            Line(
                StatementLine.Kind.GATE,
                _("Gate"),
                name,
                -earned if earned > 0 else Decimal(0),
                base=share,
                tier=f"{minimum} %",
                note=(
                    _("no goal for “%(metric)s” this month: the gate is not met") % {"metric": name}
                    if share is None
                    else _("“%(metric)s” at %(share)s %% of the goal, under the %(min)s %% gate")
                    % {"metric": name, "share": share, "min": minimum}
                ),
            )
        )
        break
    if plan.cap is not None:
        result.lines = _capped(result.lines, str(plan.cap), _("Plan"))
    result.lines += _clawbacks(person, period, plan.basis, book)
    return result
