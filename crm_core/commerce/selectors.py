from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from crm_core.commerce.models import Order
from crm_core.commerce.services import DEFERRED_STATUSES, REVENUE_STATUSES
from crm_core.common.visibility import visible_to
from crm_core.workspace.services import convert_sum
from tenants.identity.models import User
from tenants.identity.roles import Role


def orders_visible(*, user: User) -> QuerySet[Order]:
    return visible_to(Order.objects.all(), user).select_related("contact", "company", "owner")


def order_get_for_user(*, user: User, pk: int) -> Order:
    order = orders_visible(user=user).filter(pk=pk).first()
    if order is None:
        raise Http404
    return order


def lifetime_revenue_converted(*, contact):
    """Lifetime revenue in the base currency, each order at the rate of the day it was paid."""

    rows = Order.objects.filter(contact=contact, status__in=REVENUE_STATUSES).values_list(
        "total", "currency", "paid_at", "created_at"
    )
    return convert_sum(
        (total, currency, (paid or created).date()) for total, currency, paid, created in rows
    )


def lifetime_revenue(*, contact) -> dict[str, Decimal]:
    """Paid, shipped and delivered orders' totals, per currency (never mixed)."""
    rows = (
        Order.objects.filter(contact=contact, status__in=REVENUE_STATUSES)
        .values("currency")
        .annotate(total=Sum("total"))
        .order_by("currency")
    )
    return {row["currency"]: row["total"] for row in rows}


def can_refund(user: User) -> bool:
    """Who may give a customer's card payment back: owners, administrators, heads of sales."""
    return user.can_manage_team or user.role == Role.SALES_HEAD


def orders_deferred(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Of `orders`, the ones put off to a day and still to be fulfilled, soonest first."""
    return orders.filter(deferred_until__isnull=False, status__in=DEFERRED_STATUSES).order_by(
        "deferred_until", "id"
    )
