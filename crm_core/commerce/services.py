"""Products, price lists, and orders with their status workflow."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_tenants.utils import schema_context
from PIL import Image as PILImage

from crm_core.activities.models import Task
from crm_core.activities.services import interaction_log, task_complete, task_create
from crm_core.commerce.client_value import client_value_refresh, client_values_rescore
from crm_core.commerce.models import Order, OrderLine, Price, PriceList, Product
from crm_core.common.figures import figures_soon
from crm_core.common.indexing import search_soon
from crm_core.common.live import customer_told
from crm_core.common.services import record_update
from crm_core.common.system_text import SystemText
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.live import contact_timeline_changed
from crm_core.parties.models import Contact
from tenants.identity.models import User
from tenants.typing import connection

Status = Order.Status


# Which status may follow which: the workflow of an order.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.PLACED, Status.CANCELLED},
    Status.PLACED: {Status.PAID, Status.CANCELLED},
    Status.PAID: {Status.SHIPPED, Status.RETURNED, Status.CANCELLED},
    Status.SHIPPED: {Status.DELIVERED, Status.RETURNED},
    Status.DELIVERED: {Status.RETURNED},
    Status.CANCELLED: set(),
    Status.RETURNED: set(),
}


# a deferred order's reminder is due at the start of the working day it is put off until
DEFERRED_REMINDER_TIME = time(9, 0)


PRODUCT_FIELDS = ("sku", "name", "unit", "category", "description", "is_active", "cost_price")
# What a product's picture may be: a photo or a drawing a browser shows, and not too heavy.
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_MAX_BYTES = 5 * 1024 * 1024


def catalogue_check(actor: User) -> None:
    if not actor.has_perm("crm_core.change_product"):
        raise PermissionDenied(_("Your role cannot change the catalogue."))


def product_save(*, product: Product | None, data: dict[str, Any]) -> Product:
    product = product or Product()
    for field in PRODUCT_FIELDS:
        if field in data:
            setattr(product, field, data[field])
    product.sku = str(product.sku or "").strip()
    product.name = str(product.name or "").strip()
    product.unit = str(product.unit or "").strip() or "pcs"
    errors = {}
    if not product.sku:
        errors["sku"] = [_("Enter a SKU.")]
    if not product.name:
        errors["name"] = [_("Enter a name.")]
    if product.cost_price is not None and product.cost_price < 0:
        errors["cost_price"] = [_("A cost cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise ValidationError({"sku": [_("Another product has this SKU.")]}) from None
    return product


def product_image_set(*, product: Product, upload: UploadedFile | None) -> Product:
    """Put `upload` as the product's picture (None removes it); the old file goes once the
    change is committed. A file that is not a JPEG, PNG, WebP or GIF picture, or is over 5 MB,
    is refused and the product keeps its picture."""
    if upload is not None:
        if upload.size is not None and upload.size > IMAGE_MAX_BYTES:
            raise ValidationError({"image": [_("A picture is at most 5 MB.")]})
        try:
            with PILImage.open(upload) as picture:
                picture.verify()
                image_format = picture.format
        except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError):
            image_format = None
        if image_format not in IMAGE_FORMATS:
            raise ValidationError({"image": [_("Upload a JPEG, PNG, WebP or GIF picture.")]})
        upload.seek(0)
    old = product.image.name if product.image else ""
    if upload is None:
        product.image = None
    else:
        product.image.save(upload.name or "image", upload, save=False)
    product.save(update_fields=["image"])
    if old:
        storage = product.image.storage
        transaction.on_commit(lambda: storage.delete(old))
    return product


@transaction.atomic
def product_prices_set(*, product: Product, prices: dict[int, Decimal | None]) -> None:
    """Set (or, with None, remove) the product's price in each price list named by id."""
    known = set(PriceList.objects.filter(pk__in=prices).values_list("pk", flat=True))
    unknown = [str(pk) for pk in prices if pk not in known]
    if unknown:
        raise ValidationError({"prices": [_("No such price list: %s.") % ", ".join(unknown)]})
    for price_list_id, amount in prices.items():
        if amount is None:
            Price.objects.filter(price_list_id=price_list_id, product=product).delete()
        elif amount < 0:
            raise ValidationError({"prices": [_("A price cannot be negative.")]})
        else:
            Price.objects.update_or_create(
                price_list_id=price_list_id, product=product, defaults={"amount": amount}
            )


def price_list_save(*, price_list: PriceList | None, data: dict[str, Any]) -> PriceList:
    price_list = price_list or PriceList()
    for field in ("name", "currency", "segment", "is_default"):
        if field in data:
            setattr(price_list, field, data[field])
    price_list.currency = str(price_list.currency or "").upper()
    if not re.fullmatch(r"[A-Z]{3}", price_list.currency):
        raise ValidationError({"currency": [_("A currency is a three-letter code such as RUB.")]})
    with transaction.atomic():
        if price_list.is_default:
            PriceList.objects.exclude(pk=price_list.pk).update(is_default=False)
        try:
            with transaction.atomic():
                price_list.save()
        except IntegrityError:
            raise ValidationError({"name": [_("A price list with this name exists.")]}) from None
    return price_list


@transaction.atomic
def prices_set(*, price_list: PriceList, prices: dict[int, Decimal | None]) -> None:
    """Set (or, with None, remove) the price of each product in the list."""
    for product_id, amount in prices.items():
        if amount is None:
            Price.objects.filter(price_list=price_list, product_id=product_id).delete()
        elif amount < 0:
            raise ValidationError({"prices": [_("A price cannot be negative.")]})
        else:
            Price.objects.update_or_create(
                price_list=price_list, product_id=product_id, defaults={"amount": amount}
            )


def price_list_for(contact: Contact) -> PriceList | None:
    """The contact's price list: its segment's (or its company's segment's), else the default."""
    segment_ids = [
        sid
        for sid in (contact.segment_id, contact.company.segment_id if contact.company else None)
        if sid
    ]
    for segment_id in segment_ids:
        found = PriceList.objects.filter(segment_id=segment_id).first()
        if found:
            return found
    return PriceList.objects.filter(is_default=True).first()


@dataclass(frozen=True)
class LineRequest:
    product: Product
    quantity: Decimal


@transaction.atomic
def order_create(
    *,
    actor: User | None,
    contact: Contact,
    lines: list[LineRequest],
    source: str = Order.Source.STAFF,
    notes: str = "",
    deferred_until: date | None = None,
    shipping_address: str = "",
    payment_method: str = "",
    agreed_prices: dict[int, Decimal] | None = None,
) -> Order:
    """A draft order priced from the contact's price list on the server (never from input),
    or at the unit prices a record of the server agreed with the client (an accepted
    proposal's, after its discounts)."""
    if not lines:
        raise ValidationError({"lines": [_("Add at least one product.")]})
    deferral_check(status=Status.DRAFT, until=deferred_until)
    price_list = price_list_for(contact)
    if price_list is None:
        raise ValidationError({"lines": [_("There is no price list for this client.")]})
    prices = agreed_prices or dict(
        Price.objects.filter(
            price_list=price_list, product__in=[line.product for line in lines]
        ).values_list("product_id", "amount")
    )
    problems = []
    for line in lines:
        if line.quantity <= 0:
            problems.append(
                _("%(product)s: the quantity must be above zero.") % {"product": line.product.name}
            )
        if not line.product.is_active:
            problems.append(_("%(product)s is not on sale.") % {"product": line.product.name})
        elif line.product.pk not in prices:
            problems.append(
                _("%(product)s has no price in “%(list)s”.")
                % {"product": line.product.name, "list": price_list.name}
            )
    if problems:
        raise ValidationError({"lines": problems})
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('crm_core_order_number_seq')")
        number = f"{cursor.fetchone()[0]:06d}"
    owner = contact.owner
    order = Order.objects.create(
        number=number,
        contact=contact,
        company=contact.company,
        owner=owner,
        team=owner.team,
        currency=price_list.currency,
        source=source,
        notes=notes,
        deferred_until=deferred_until,
        shipping_address=shipping_address,
        payment_method=payment_method,
    )
    total = Decimal(0)
    for line in lines:
        unit_price = prices[line.product.pk]
        line_total = (unit_price * line.quantity).quantize(Decimal("0.01"))
        OrderLine.objects.create(
            order=order,
            product=line.product,
            quantity=line.quantity,
            unit_price=unit_price,
            total=line_total,
        )
        total += line_total
    order.total = total
    order.save(update_fields=["total"])
    if source == Order.Source.PORTAL:
        notify(
            recipients=[owner],
            kind=Notification.Kind.PORTAL_ORDER,
            params={"contact": contact.full_name, "number": number},
            url=reverse("order_detail", args=[order.pk]),
        )
    if deferred_until is not None:
        _deferral_reminder(order)
    contact_timeline_changed(contact)
    search_soon()
    figures_soon()
    return order


def _client_value_soon(contact_id: int) -> None:
    """The client's value recomputed once the order's change commits, in this company's schema
    (the commit may come after the caller has left it), and never failing the order's change."""
    schema = connection.schema_name

    def refresh() -> None:
        with schema_context(schema):
            client_value_refresh(contact_ids=[contact_id])

    transaction.on_commit(refresh, robust=True)


@transaction.atomic
def order_status_change(*, actor: User | None, order: Order, status: str) -> Order:
    """Move the order along its workflow, stamp the step's time, put it on the timeline."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if status not in TRANSITIONS.get(order.status, set()):
        raise ValidationError(
            {
                "status": [
                    _("An order that is %(current)s cannot become %(new)s.")
                    % {
                        "current": Status(order.status).label.lower(),
                        "new": Status(status).label.lower() if status in Status.values else status,
                    }
                ]
            }
        )
    order = record_update(
        instance=order,
        changes={"status": status, f"{status}_at": timezone.now()},
        expected_version=None,
    )
    _client_value_soon(order.contact_id)
    search_soon()
    figures_soon()
    interaction_log(
        actor=actor,
        contact=order.contact,
        data={
            "channel": "order",
            "direction": "inbound" if order.source == Order.Source.PORTAL else "",
            "subject": SystemText(
                gettext_noop("Order %(number)s: %(status)s"),
                {"number": order.number, "status": status},
            ),
            "notes": f"{order.total} {order.currency}",
        },
    )
    if status != Status.DRAFT:
        customer_told(
            order.contact_id,
            {
                "type": "order.status",
                "order": order.pk,
                "number": order.number,
                "status": status,
                "url": reverse("portal_order_detail", args=[order.pk]),
            },
        )
    return order


DEFERRED_STATUSES = (Order.Status.DRAFT, Order.Status.PLACED)


def _deferral_key(order: Order) -> str:
    return f"order-deferred-{order.pk}"


def _deferral_reminder(order: Order) -> Task | None:
    """The order's one reminder task, following its deferral: due on the day (at the start of
    the working day, for the order's owner), moved when the day moves, done when it is lifted."""
    reminder = Task.objects.filter(source_key=_deferral_key(order)).first()
    if order.deferred_until is None:
        if reminder is not None and reminder.done_at is None:
            task_complete(task=reminder)
        return reminder
    due = timezone.make_aware(datetime.combine(order.deferred_until, DEFERRED_REMINDER_TIME))
    if reminder is None:
        return task_create(
            actor=None,
            assignee=order.owner,
            source_key=_deferral_key(order),
            data={
                "title": (
                    _("Deferred order %(number)s: back to %(client)s")
                    % {"number": order.number, "client": order.contact.full_name}
                )[:255],
                "due_at": due,
                "remind_at": due,
                "contact": order.contact,
                "company": order.company,
            },
        )
    reminder.due_at = reminder.remind_at = due
    reminder.reminded_at = reminder.done_at = None
    reminder.save(update_fields=["due_at", "remind_at", "reminded_at", "done_at"])
    return reminder


def deferral_check(*, status: str, until: date | None) -> None:
    if until is None:
        return
    if status not in DEFERRED_STATUSES:
        raise ValidationError(
            {"deferred_until": [_("Only a draft or placed order can be deferred.")]}
        )
    if until < timezone.localdate():
        raise ValidationError({"deferred_until": [_("Choose today or a later day.")]})


@transaction.atomic
def order_defer(*, actor: User, order: Order, until: date | None) -> Order:
    """Put the order off until a day (or lift that), with a reminder task for its owner on
    the day."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    deferral_check(status=order.status, until=until)
    order = record_update(instance=order, changes={"deferred_until": until}, expected_version=None)
    _deferral_reminder(order)
    contact_timeline_changed(order.contact)
    search_soon()
    figures_soon()
    return order


def client_values_score_now(*, actor: User) -> int:
    """Re-score every client now (the hourly job's work), for an owner or administrator."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators re-score the clients."))
    return client_values_rescore()
