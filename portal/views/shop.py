"""Home, catalogue, cart, checkout, orders and invoices: the customer's shop."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from stripe import StripeError

from billing.services.payments import card_payments_ready
from crm_core.commerce.images import product_image_response
from crm_core.commerce.invoices import invoice_response
from crm_core.commerce.models import Order, PaymentMethod
from portal.forms import AddressForm, CheckoutForm
from portal.selectors import order_of, order_steps, orders_of
from portal.services.profile import address_save
from portal.services.shop import (
    card_payment_start,
    cart_add,
    cart_get,
    cart_set,
    catalogue,
    categories,
    checkout,
    product_for_customer,
    recommendations,
    reorder,
)
from portal.services.support import tickets_of
from portal.views.common import customer_view, page_of

logger = logging.getLogger(__name__)


@customer_view
def home(request: HttpRequest) -> HttpResponse:
    account = request.account
    return render(
        request,
        "portal/home.html",
        {
            "orders": list(orders_of(account=account)[:3]),
            "tickets": list(tickets_of(account=account).exclude(status="closed")[:3]),
            "recommended": recommendations(account=account),
            # the cards' prices are in the customer's price list's currency
            "price_list": catalogue(account=account)[0],
        },
    )


@customer_view
def catalogue_view(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    category = request.GET.get("category", "")[:120]
    price_list, products = catalogue(account=request.account, text=text, category=category)
    return render(
        request,
        "portal/catalogue.html",
        {
            "page": page_of(request, products, 24),
            "price_list": price_list,
            "categories": categories(account=request.account),
            "q": text,
            "category": category,
        },
    )


@customer_view
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = product_for_customer(account=request.account, pk=pk)
    if product is None:
        raise Http404
    price_list, _products = catalogue(account=request.account)
    return render(
        request,
        "portal/product.html",
        {"product": product, "price_list": price_list},
    )


@customer_view
def product_image(request: HttpRequest, pk: int) -> FileResponse:
    """The picture of a product the customer may buy (what their catalogue holds)."""
    product = product_for_customer(account=request.account, pk=pk)
    if product is None:
        raise Http404
    return product_image_response(product)


@require_POST
@customer_view
def cart_add_view(request: HttpRequest) -> HttpResponse:
    try:
        line = cart_add(
            account=request.account,
            product_id=request.POST.get("product") or 0,
            quantity=request.POST.get("quantity") or 1,
        )
        messages.success(request, _("%(product)s is in your cart.") % {"product": line.product})
    except (ValidationError, ValueError) as error:
        messages.error(
            request,
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else _("Unknown product."),
        )
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/portal/") else "portal_cart")


@customer_view
def cart_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            for key, value in request.POST.items():
                if key.startswith("quantity-"):
                    cart_set(
                        account=request.account,
                        product_id=int(key.removeprefix("quantity-")),
                        quantity=value,
                    )
            remove = request.POST.get("remove")
            if remove:
                cart_set(account=request.account, product_id=int(remove), quantity=0)
            messages.success(request, _("Cart updated."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        except ValueError:
            messages.error(request, _("Unknown product."))
        return redirect("portal_cart")
    return render(request, "portal/cart.html", {"cart": cart_get(account=request.account)})


@customer_view
def checkout_view(request: HttpRequest) -> HttpResponse:
    account = request.account
    cart = cart_get(account=account)
    if not cart.rows:
        messages.info(request, _("Your cart is empty."))
        return redirect("portal_catalogue")
    form = CheckoutForm(
        request.POST or None,
        account=account,
        card_payments=card_payments_ready(connection.tenant),
    )
    address_form = AddressForm(
        request.POST if "new_address" in request.POST else None,
        prefix="address",
        initial={"recipient": account.contact.full_name, "is_default": True},
    )
    if request.method == "POST" and "new_address" in request.POST:
        if address_form.is_valid():
            address_save(contact=account.contact, form=address_form)
            return redirect("portal_checkout")
    elif request.method == "POST" and form.is_valid():
        try:
            order = checkout(
                account=account,
                address=form.cleaned_data["address"],
                notes=form.cleaned_data["notes"],
                payment_method=form.cleaned_data.get("payment_method", PaymentMethod.INVOICE),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("portal_cart")
        if order.payment_method == PaymentMethod.CARD:
            return _pay(request, order)
        messages.success(
            request,
            _("Thank you! Order %(number)s is placed; it is paid on invoice.")
            % {"number": order.number},
        )
        return redirect("portal_order_detail", pk=order.pk)
    return render(
        request,
        "portal/checkout.html",
        {"cart": cart, "form": form, "address_form": address_form},
    )


def _pay(request: HttpRequest, order) -> HttpResponse:
    """On to Stripe Checkout; if Stripe cannot be reached the order waits, unpaid, with a
    button to pay it later."""
    try:
        payment = card_payment_start(order=order, site=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except StripeError:
        logger.exception("Stripe checkout for order %s failed", order.pk)
        messages.error(
            request,
            _(
                "The card payment could not be started. Order %(number)s is saved; pay it from "
                "its page in a minute."
            )
            % {"number": order.number},
        )
    else:
        return HttpResponseRedirect(payment.checkout_url)
    return redirect("portal_order_detail", pk=order.pk)


@require_POST
@customer_view
def order_pay(request: HttpRequest, pk: int) -> HttpResponse:
    return _pay(request, order_of(account=request.account, pk=pk))


@customer_view
def order_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, orders_of(account=request.account))
    return render(request, "portal/orders.html", {"page": page})


@customer_view
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_of(account=request.account, pk=pk)
    return render(
        request,
        "portal/order.html",
        {
            "order": order,
            "lines": order.lines.select_related("product"),
            "steps": order_steps(order),
            "payments": order.payments.all(),
            "can_pay_by_card": order.status == Order.Status.PLACED
            and order.payment_method == PaymentMethod.CARD
            and card_payments_ready(connection.tenant),
            "just_paid": request.GET.get("paid") == "1",
        },
    )


@require_POST
@customer_view
def order_reorder(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_of(account=request.account, pk=pk)
    added, skipped = reorder(account=request.account, order=order)
    if added:
        messages.success(
            request,
            _("The products of order %(number)s are in your cart.") % {"number": order.number},
        )
    if skipped:
        messages.warning(
            request, _("No longer on sale: %(products)s.") % {"products": ", ".join(skipped)}
        )
    return redirect("portal_cart")


@customer_view
def order_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    return invoice_response(order=order_of(account=request.account, pk=pk))
