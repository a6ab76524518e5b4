"""Staff screens of the catalogue (products, price lists) and orders."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.commerce.forms import ProductForm
from crm_core.commerce.images import product_image_response
from crm_core.commerce.models import Order, PriceList, Product
from crm_core.commerce.selectors import (
    can_refund,
    order_get_for_user,
    orders_deferred,
    orders_visible,
    product_prices,
    products_found,
)
from crm_core.commerce.services import (
    DEFERRED_STATUSES,
    PRODUCT_FIELDS,
    TRANSITIONS,
    LineRequest,
    catalogue_check,
    order_create,
    order_defer,
    order_status_change,
    price_list_save,
    prices_set,
    product_image_set,
    product_prices_set,
    product_save,
)
from crm_core.common.text import decimal_from_text
from crm_core.history.selectors import record_history
from crm_core.parties.selectors import contact_get_for_user, contacts_visible
from crm_core.segments.models import Segment
from crm_core.workspace.services import base_currency
from tenants.typing import StaffRequest

LINE_ROWS = 5


def _require_catalogue(request: StaffRequest) -> None:
    catalogue_check(request.user)


def product_list(request: StaffRequest) -> HttpResponse:
    """The catalogue, searched and narrowed to what is on sale or not; a quick add of a product
    by its SKU and name (its card takes the rest)."""
    if request.method == "POST":
        _require_catalogue(request)
        try:
            product = product_save(
                product=None,
                data={
                    "sku": request.POST.get("sku", ""),
                    "name": request.POST.get("name", ""),
                    "unit": request.POST.get("unit", ""),
                    "category": request.POST.get("category", "").strip(),
                },
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Product added: %(name)s. Its card takes the description, picture and cost.")
                % {"name": product.name},
            )
        return redirect("product_list")
    text = request.GET.get("q", "").strip()[:100]
    active = {"1": True, "0": False}.get(request.GET.get("active", ""))
    return render(
        request,
        "crm_core/commerce/products.html",
        {
            "products": products_found(text=text, active=active),
            "price_lists": PriceList.objects.all(),
            "segments": Segment.objects.all(),
            "can_edit": request.user.has_perm("crm_core.change_product"),
        },
    )


def _product_form_save(request: StaffRequest, form: ProductForm, product: Product | None):
    """The product saved from its form, with its picture; None, with the errors on the form."""
    try:
        with transaction.atomic():
            product = product_save(product=product, data=form.service_data())
            upload = form.cleaned_data["image"]
            if upload or (form.cleaned_data["remove_image"] and product.image):
                product_image_set(product=product, upload=upload or None)
    except ValidationError as error:
        errors_into(form, error)
        return None
    return product


def product_create(request: StaffRequest) -> HttpResponse:
    _require_catalogue(request)
    form = ProductForm(request.POST or None, request.FILES or None, base_currency=base_currency())
    if request.method == "POST" and form.is_valid():
        product = _product_form_save(request, form, None)
        if product is not None:
            messages.success(request, _("Saved."))
            return redirect("product_detail", product.pk)
    return render(request, "crm_core/commerce/product_form.html", {"form": form, "product": None})


def product_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The product's card: its fields and picture, its price in every price list with the
    margin over its cost, and its history."""
    product = get_object_or_404(Product, pk=pk)
    can_edit = request.user.has_perm("crm_core.change_product")
    form = ProductForm(
        request.POST or None,
        request.FILES or None,
        base_currency=base_currency(),
        initial={name: getattr(product, name) for name in PRODUCT_FIELDS},
    )
    if request.method == "POST":
        _require_catalogue(request)
        if form.is_valid() and _product_form_save(request, form, product) is not None:
            messages.success(request, _("Saved."))
            return redirect("product_detail", product.pk)
    return render(
        request,
        "crm_core/commerce/product_form.html",
        {
            "form": form,
            "product": product,
            "prices": product_prices(product),
            "history": record_history(product),
            "can_edit": can_edit,
        },
    )


@require_POST
def product_prices_view(request: StaffRequest, pk: int) -> HttpResponse:
    """The product's prices, one input per price list (empty: not sold through that list)."""
    _require_catalogue(request)
    product = get_object_or_404(Product, pk=pk)
    updates, errors = {}, []
    for price_list in PriceList.objects.all():
        raw = request.POST.get(f"price-{price_list.pk}", "").strip()
        amount = decimal_from_text(raw) if raw else None
        if raw and amount is None:
            errors.append(
                _("%(list)s: “%(value)s” is not a price.") % {"list": price_list.name, "value": raw}
            )
        else:
            updates[price_list.pk] = amount
    try:
        if errors:
            raise ValidationError(errors)
        product_prices_set(product=product, prices=updates)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Prices saved."))
    return redirect(reverse("product_detail", args=[product.pk]) + "#prices")


def product_image(request: StaffRequest, pk: int) -> FileResponse:
    """The product's picture for staff pages (the portal has its own, for what it sells)."""
    product = get_object_or_404(Product, pk=pk)
    return product_image_response(product)


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
