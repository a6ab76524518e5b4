"""Staff screens of the catalogue (products, price lists) and orders."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_core.commerce.models import Order, PriceList, Product
from crm_core.commerce.selectors import (
    can_refund,
    order_get_for_user,
    orders_deferred,
    orders_visible,
)
from crm_core.commerce.services import (
    DEFERRED_STATUSES,
    TRANSITIONS,
    LineRequest,
    order_create,
    order_defer,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.common.text import decimal_from_text
from crm_core.parties.selectors import contact_get_for_user, contacts_visible
from crm_core.segments.models import Segment
from tenants.typing import StaffRequest

LINE_ROWS = 5


def _require_catalogue(request: StaffRequest) -> None:
    if not request.user.has_perm("crm_core.change_product"):
        raise PermissionDenied(_("Your role cannot change the catalogue."))


def product_list(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":
        _require_catalogue(request)
        try:
            product_save(
                product=None,
                data={
                    "sku": request.POST.get("sku", "").strip(),
                    "name": request.POST.get("name", "").strip(),
                    "unit": request.POST.get("unit", "").strip() or "pcs",
                    "category": request.POST.get("category", "").strip(),
                },
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Product added."))
        return redirect("product_list")
    return render(
        request,
        "crm_core/commerce/products.html",
        {
            "products": Product.objects.all(),
            "price_lists": PriceList.objects.all(),
            "segments": Segment.objects.all(),
            "can_edit": request.user.has_perm("crm_core.change_product"),
        },
    )


@require_POST
def price_list_create(request: StaffRequest) -> HttpResponse:
    _require_catalogue(request)
    segment_id = request.POST.get("segment") or None
    try:
        price_list = price_list_save(
            price_list=None,
            data={
                "name": request.POST.get("name", "").strip(),
                "currency": request.POST.get("currency", ""),
                "segment": Segment.objects.filter(pk=segment_id).first() if segment_id else None,
                "is_default": request.POST.get("is_default") == "on",
            },
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("product_list")
    return redirect("price_list_detail", price_list.pk)


def price_list_detail(request: StaffRequest, pk: int) -> HttpResponse:
    price_list = get_object_or_404(PriceList, pk=pk)
    prices = {price.product_id: price.amount for price in price_list.prices.all()}
    if request.method == "POST":
        _require_catalogue(request)
        updates, errors = {}, []
        for product in Product.objects.all():
            raw = request.POST.get(f"price-{product.pk}", "").strip()
            amount = decimal_from_text(raw) if raw else None
            if raw and amount is None:
                errors.append(
                    _("%(product)s: “%(value)s” is not a price.")
                    % {"product": product.name, "value": raw}
                )
            else:
                updates[product.pk] = amount
        if errors:
            messages.error(request, " ".join(errors))
        else:
            try:
                prices_set(price_list=price_list, prices=updates)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Prices saved."))
                return redirect("price_list_detail", price_list.pk)
    rows = [(product, prices.get(product.pk)) for product in Product.objects.all()]
    return render(
        request,
        "crm_core/commerce/price_list.html",
        {
            "price_list": price_list,
            "rows": rows,
            "can_edit": request.user.has_perm("crm_core.change_product"),
        },
    )


def order_list(request: StaffRequest) -> HttpResponse:
    """The orders the user sees, by status; `?deferred=1`: the ones put off to a day, soonest
    first."""
    orders = orders_visible(user=request.user)
    wanted = request.GET.get("status")
    deferred = request.GET.get("deferred") == "1"
    if deferred:
        orders = orders_deferred(orders)
    elif wanted in Order.Status.values:
        orders = orders.filter(status=wanted)
    return render(
        request,
        "crm_core/commerce/orders.html",
        {
            "orders": orders[:200],
            "statuses": Order.Status.choices,
            "wanted": None if deferred else wanted,
            "deferred": deferred,
        },
    )


def order_create_view(request: StaffRequest) -> HttpResponse:
    contacts = contacts_visible(user=request.user).filter(archived_at=None)
    products = Product.objects.filter(is_active=True)
    errors: list[str] = []
    if request.method == "POST":
        lines = []
        for index in range(LINE_ROWS):
            product_id = request.POST.get(f"product-{index}")
            quantity = decimal_from_text(request.POST.get(f"quantity-{index}", "").strip() or "0")
            if not product_id:
                continue
            product = products.filter(pk=product_id).first()
            if product is None or quantity is None:
                errors.append(
                    _("Line %(number)d: choose a product and a quantity.") % {"number": index + 1}
                )
                continue
            lines.append(LineRequest(product, quantity))
        contact_id = request.POST.get("contact") or "0"
        deferred_text = request.POST.get("deferred_until", "").strip()
        deferred_until = parse_date(deferred_text) if deferred_text else None
        if deferred_text and deferred_until is None:
            errors.append(_("Enter the day the order is deferred until."))
        if not errors:
            try:
                contact = contact_get_for_user(user=request.user, pk=int(contact_id))
                order = order_create(
                    actor=request.user,
                    contact=contact,
                    lines=lines,
                    notes=request.POST.get("notes", ""),
                    deferred_until=deferred_until,
                )
            except (Http404, ValueError):
                errors.append(_("Choose a contact."))
            except ValidationError as error:
                errors.extend(error.messages)
            else:
                messages.success(request, _("Order %(number)s created.") % {"number": order.number})
                return redirect("order_detail", order.pk)
    return render(
        request,
        "crm_core/commerce/order_form.html",
        {
            # only the chosen client: the search box above the select finds the others
            "contacts": contacts.filter(
                pk=_id(request.POST.get("contact") or request.GET.get("contact"))
            ),
            "products": products,
            "rows": range(LINE_ROWS),
            "errors": errors,
            "selected": request.POST.get("contact") or request.GET.get("contact"),
            "deferred_until": request.POST.get("deferred_until", ""),
        },
    )


def _id(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def order_detail(request: StaffRequest, pk: int) -> HttpResponse:
    order = order_get_for_user(user=request.user, pk=pk)
    next_steps = [
        (value, label)
        for value, label in Order.Status.choices
        if value in TRANSITIONS[order.status]
    ]
    steps = [
        (label, getattr(order, f"{value}_at", None))
        for value, label in Order.Status.choices
        if value != Order.Status.DRAFT
    ]
    return render(
        request,
        "crm_core/commerce/order_detail.html",
        {
            "order": order,
            "lines": order.lines.select_related("product"),
            "next_steps": next_steps,
            "steps": steps,
            "payments": order.payments.all(),
            "can_defer": order.status in DEFERRED_STATUSES,
            "can_refund": can_refund(request.user),
        },
    )


@require_POST
def order_defer_view(request: StaffRequest, pk: int) -> HttpResponse:
    """Put the order off until a day, or lift the deferral (an empty day)."""
    order = order_get_for_user(user=request.user, pk=pk)
    text = request.POST.get("deferred_until", "").strip()
    until = parse_date(text) if text else None
    if text and until is None:
        messages.error(request, _("Enter the day the order is deferred until."))
        return redirect("order_detail", order.pk)
    try:
        order_defer(actor=request.user, order=order, until=until)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Deferred until %(day)s; a reminder is on the owner's tasks.")
            % {"day": date_format(until, "SHORT_DATE_FORMAT")}
            if until
            else _("The order is no longer deferred."),
        )
    return redirect("order_detail", order.pk)


@require_POST
def order_status_view(request: StaffRequest, pk: int) -> HttpResponse:
    order = order_get_for_user(user=request.user, pk=pk)
    try:
        order_status_change(actor=request.user, order=order, status=request.POST.get("status", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("order_detail", order.pk)
