"""The customer's side of commerce: the catalogue priced from their own price list, a cart kept
in the database, checkout and reorder. Prices always come from the server: what a form says
a product costs changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from billing.services.payments import card_payments_ready, order_payment_start
from crm_core.commerce.models import (
    Order,
    Payment,
    PaymentMethod,
    Price,
    PriceList,
    Product,
    RecommendedProduct,
)
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_status_change,
    price_list_for,
)
from portal.models import Address, CartLine, CustomerAccount

MAX_QUANTITY = 999


def catalogue(
    *, account: CustomerAccount, text: str = "", category: str = ""
) -> tuple[PriceList | None, QuerySet[Product]]:
    """Products on sale that have a price in the customer's list, with that price."""
    price_list = price_list_for(account.contact)
    if price_list is None:
        return None, Product.objects.none()
    prices = Price.objects.filter(price_list=price_list, product=OuterRef("pk"))
    products = (
        Product.objects.filter(is_active=True, prices__price_list=price_list)
        .annotate(price=Subquery(prices.values("amount")[:1]))
        .order_by("name", "id")
    )
    if text.strip():
        for word in text.split()[:5]:
            products = products.filter(
                Q(name__icontains=word) | Q(sku__iexact=word) | Q(description__icontains=word)
            )
    if category:
        products = products.filter(category=category)
    return price_list, products


def categories(*, account: CustomerAccount) -> list[str]:
    _list, products = catalogue(account=account)
    return sorted({name for name in products.values_list("category", flat=True) if name})


def product_for_customer(*, account: CustomerAccount, pk: int) -> Product | None:
    _list, products = catalogue(account=account)
    return products.filter(pk=pk).first()


def recommendations(*, account: CustomerAccount, limit: int = 4) -> list[Product]:
    """Products recommended for the customer's segment that they have not bought yet."""
    contact = account.contact
    segment_ids = [
        sid
        for sid in (contact.segment_id, contact.company.segment_id if contact.company else None)
        if sid
    ]
    if not segment_ids:
        return []
    bought = Order.objects.filter(contact=contact).exclude(status=Order.Status.CANCELLED)
    _list, products = catalogue(account=account)
    recommended = RecommendedProduct.objects.filter(segment_id__in=segment_ids).values("product_id")
    return list(
        products.filter(pk__in=recommended).exclude(
            pk__in=bought.values("lines__product_id").exclude(lines__product_id=None)
        )[:limit]
    )


@dataclass(frozen=True)
class CartRow:
    line: CartLine
    product: Product
    unit_price: Decimal | None  # None: no longer on sale for this customer

    @property
    def total(self) -> Decimal:
        return (self.unit_price or Decimal(0)) * self.line.quantity


@dataclass(frozen=True)
class Cart:
    rows: list[CartRow]
    currency: str

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows if row.unit_price is not None), Decimal(0))

    @property
    def count(self) -> int:
        return sum(row.line.quantity for row in self.rows)

    @property
    def unavailable(self) -> list[CartRow]:
        return [row for row in self.rows if row.unit_price is None]


def cart_get(*, account: CustomerAccount) -> Cart:
    price_list, products = catalogue(account=account)
    prices = dict(products.values_list("pk", "price")) if price_list else {}
    lines = list(account.cart.select_related("product"))
    rows = [CartRow(line, line.product, prices.get(line.product_id)) for line in lines]
    return Cart(rows=rows, currency=price_list.currency if price_list else "")


def _quantity(value) -> int:
    try:
        quantity = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"quantity": [_("Enter a whole number.")]}) from None
    if not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            {"quantity": [_("Between 1 and %(max)d, or 0 to remove.") % {"max": MAX_QUANTITY}]}
        )
    return quantity


@transaction.atomic
def cart_add(*, account: CustomerAccount, product_id: int, quantity=1) -> CartLine:
    quantity = _quantity(quantity) or 1
    product = product_for_customer(account=account, pk=product_id)
    if product is None:
        raise ValidationError({"product": [_("This product is not on sale.")]})
    line, created = CartLine.objects.select_for_update().get_or_create(
        account=account, product=product, defaults={"quantity": quantity}
    )
    if not created:
        line.quantity = min(line.quantity + quantity, MAX_QUANTITY)
        line.save(update_fields=["quantity"])
    return line


def cart_set(*, account: CustomerAccount, product_id: int, quantity) -> None:
    quantity = _quantity(quantity)
    lines = CartLine.objects.filter(account=account, product_id=product_id)
    if quantity == 0:
        lines.delete()
    else:
        lines.update(quantity=quantity)


@transaction.atomic
def checkout(
    *,
    account: CustomerAccount,
    address: Address | None,
    notes: str = "",
    payment_method: str = PaymentMethod.INVOICE,
) -> Order:
    """Place the cart as an order, priced again on the server; the cart empties only when the
    order is placed. An order paid on invoice stays unpaid until staff confirm the payment;
    one paid by card goes on to Stripe Checkout (billing.services.payments)."""
    if payment_method == PaymentMethod.CARD and not card_payments_ready(connection.tenant):
        raise ValidationError({"payment_method": [_("Card payments are not available.")]})
    if address is None or address.contact_id != account.contact_id:
        raise ValidationError({"address": [_("Choose a delivery address.")]})
    cart = cart_get(account=account)
    if not cart.rows:
        raise ValidationError({"cart": [_("Your cart is empty.")]})
    if cart.unavailable:
        raise ValidationError(
            {
                "cart": [
                    _("%(product)s is no longer on sale; remove it to go on.")
                    % {"product": row.product.name}
                    for row in cart.unavailable
                ]
            }
        )
    user = account.user
    order = order_create(
        actor=user,
        contact=account.contact,
        lines=[LineRequest(row.product, Decimal(row.line.quantity)) for row in cart.rows],
        source=Order.Source.PORTAL,
        notes=notes.strip()[:2000],
        shipping_address=address.as_text(),
        payment_method=payment_method,
    )
    order = order_status_change(actor=user, order=order, status=Order.Status.PLACED)
    account.cart.all().delete()
    return order


def card_payment_start(*, order: Order, site: str) -> Payment:
    """Stripe Checkout for a card order, coming back to its page in the portal at `site`
    (``https://host/``): the host the customer is signed in at, the workspace's or the
    company's own domain."""
    back = urljoin(site, reverse("portal_order_detail", args=[order.pk]))
    return order_payment_start(order=order, success_url=f"{back}?paid=1", cancel_url=back)


def reorder(*, account: CustomerAccount, order: Order) -> tuple[int, list[str]]:
    """Put an earlier order's products back in the cart; returns how many were added and the
    names of those no longer on sale."""
    added, skipped = 0, []
    for line in order.lines.select_related("product"):
        try:
            cart_add(account=account, product_id=line.product_id, quantity=int(line.quantity))
            added += 1
        except ValidationError:
            skipped.append(line.product.name)
    return added, skipped
