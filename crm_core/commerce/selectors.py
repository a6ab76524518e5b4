from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from crm_core.commerce.client_value import Recommendation, cross_sell_for
from crm_core.commerce.models import (
    REVENUE_STATUSES,
    ClientValue,
    Order,
    OrderLine,
    PriceList,
    Product,
)
from crm_core.commerce.services import DEFERRED_STATUSES
from crm_core.common.visibility import visible_to
from crm_core.parties.models import Contact
from crm_core.workspace.services import RateMissing, base_currency, convert_sum, rate_on, today
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


def products_found(*, text: str = "", active: bool | None = None) -> QuerySet[Product]:
    """The catalogue, narrowed by words of the name, SKU or category and by being on sale."""
    products = Product.objects.all()
    for word in text.split():
        products = products.filter(
            Q(name__icontains=word) | Q(sku__icontains=word) | Q(category__icontains=word)
        )
    if active is not None:
        products = products.filter(is_active=active)
    return products


@dataclass(frozen=True)
class ProductPrice:
    price_list: PriceList
    amount: Decimal | None
    margin: Decimal | None  # in the price list's currency
    margin_percent: Decimal | None
    rate_missing: str = ""


def product_prices(product: Product) -> list[ProductPrice]:
    """The product's price in every price list, and its margin over the cost price (the cost,
    in the base currency, converted at today's rate into the list's currency)."""
    prices = {price.price_list_id: price.amount for price in product.prices.all()}
    base, day = base_currency(), today()
    rows = []
    for price_list in PriceList.objects.select_related("segment"):
        amount = prices.get(price_list.pk)
        margin = percent = None
        missing = ""
        if amount is not None and product.cost_price is not None:
            try:
                cost = product.cost_price / rate_on(price_list.currency, day, base)
            except RateMissing as error:
                missing = error.messages[0]
            else:
                margin = (amount - cost).quantize(Decimal("0.01"))
                percent = (margin * 100 / amount).quantize(Decimal("0.1")) if amount else None
        rows.append(ProductPrice(price_list, amount, margin, percent, missing))
    return rows


@dataclass(frozen=True)
class TopProduct:
    product_id: int
    name: str
    quantity: Decimal
    revenue: Decimal  # in the base currency


@dataclass
class BuyingHabits:
    """What a client's paid orders say: revenue and margin in the base currency (each line at
    the rate of the day its order was paid), how often and how much they buy, and what."""

    currency: str
    orders: int = 0
    revenue: Decimal = Decimal(0)
    margin: Decimal | None = None  # over the lines whose product has a cost price
    margin_covers: int | None = None  # % of the revenue those lines make
    average_order: Decimal | None = None
    every_days: int | None = None  # the mean days between two orders
    first_purchase: date | None = None
    last_purchase: date | None = None
    top_products: list[TopProduct] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # rates not found, as sentences


def buying_habits(orders: QuerySet[Order], top: int = 5) -> BuyingHabits:
    """The habits of the clients whose paid, shipped or delivered `orders` these are."""
    base = base_currency()
    habits = BuyingHabits(currency=base)
    paid = orders.filter(status__in=REVENUE_STATUSES)
    days = sorted(
        (paid_at or created).date()
        for paid_at, created in paid.values_list("paid_at", "created_at")
    )
    if not days:
        return habits
    habits.orders, habits.first_purchase, habits.last_purchase = len(days), days[0], days[-1]
    if len(days) > 1:
        habits.every_days = round((days[-1] - days[0]).days / (len(days) - 1))
    rates: dict[tuple[str, date], Decimal | None] = {}
    revenue_with_cost, cost = Decimal(0), Decimal(0)
    products: dict[int, list] = defaultdict(lambda: ["", Decimal(0), Decimal(0)])
    lines = OrderLine.objects.filter(order__in=paid).values_list(
        "order__currency",
        "order__paid_at",
        "order__created_at",
        "product_id",
        "product__name",
        "product__cost_price",
        "quantity",
        "total",
    )
    for currency, paid_at, created, product_id, name, cost_price, quantity, total in lines:
        day = (paid_at or created).date()
        if (currency, day) not in rates:
            try:
                rates[currency, day] = rate_on(currency, day, base)
            except RateMissing as error:
                rates[currency, day] = None
                if error.messages[0] not in habits.missing:
                    habits.missing.append(error.messages[0])
        rate = rates[currency, day]
        if rate is None:
            continue
        line_revenue = total * rate
        habits.revenue += line_revenue
        if cost_price is not None:
            revenue_with_cost += line_revenue
            cost += cost_price * quantity
        entry = products[product_id]
        entry[0], entry[1], entry[2] = name, entry[1] + quantity, entry[2] + line_revenue
    cent = Decimal("0.01")
    habits.revenue = habits.revenue.quantize(cent)
    habits.average_order = (habits.revenue / habits.orders).quantize(cent)
    if revenue_with_cost:
        habits.margin = (revenue_with_cost - cost).quantize(cent)
        habits.margin_covers = round(revenue_with_cost * 100 / habits.revenue)
    ranked = sorted(products.items(), key=lambda item: (-item[1][2], item[1][0]))[:top]
    habits.top_products = [
        TopProduct(pk, name, quantity, revenue.quantize(cent))
        for pk, (name, quantity, revenue) in ranked
    ]
    return habits


def client_value_of(*, contact) -> ClientValue | None:
    """The client's RFM scores, segment, lifetime revenue and margin, and churn risk."""
    return ClientValue.objects.filter(contact=contact).first()


def cross_sell(*, contact, limit: int = 5) -> list[Recommendation]:
    return cross_sell_for(contact_id=contact.pk, limit=limit)


def client_values_visible(*, user: User) -> QuerySet[ClientValue]:
    """Client values of the contacts the user may see."""
    contacts = visible_to(Contact.objects.filter(archived_at=None), user).values("pk")
    return ClientValue.objects.filter(contact__in=contacts).select_related("contact")
