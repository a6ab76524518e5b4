"""Reads of the portal: only ever the signed-in customer's own records. A record of another
customer answers 404, exactly like one that does not exist."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crm_core.commerce.models import Order
from crm_core.support.models import Ticket
from portal.models import Address, CustomerAccount


def ready_account(*, user) -> CustomerAccount | None:
    """The signed-in customer's account if it is verified and linked to its contact."""
    if not (user.is_authenticated and getattr(user, "is_customer", False)):
        return None
    account = (
        CustomerAccount.objects.select_related("contact__company", "user").filter(user=user).first()
    )
    return account if account is not None and account.is_ready else None


def orders_of(*, account: CustomerAccount) -> QuerySet[Order]:
    """The customer's orders, newest first; drafts staff are still preparing are not shown."""
    return (
        Order.objects.filter(contact_id=account.contact_id)
        .exclude(status=Order.Status.DRAFT)
        .only("pk", "number", "status", "created_at", "placed_at", "total", "currency")
        .order_by("-created_at", "-id")
    )


def order_of(*, account: CustomerAccount, pk: int) -> Order:
    order = (
        Order.objects.filter(contact_id=account.contact_id, pk=pk)
        .exclude(status=Order.Status.DRAFT)
        .first()
    )
    if order is None:
        raise Http404
    return order


def ticket_of(*, account: CustomerAccount, pk: int) -> Ticket:
    ticket = Ticket.objects.filter(contact_id=account.contact_id, pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


def address_of(*, account: CustomerAccount, pk: int) -> Address:
    address = Address.objects.filter(contact_id=account.contact_id, pk=pk).first()
    if address is None:
        raise Http404
    return address


def order_steps(order: Order) -> list[dict]:
    """The order's status timeline: each step with its time, or still ahead."""
    Status = Order.Status
    if order.status == Status.CANCELLED:
        path = [Status.PLACED, Status.CANCELLED]
    elif order.status == Status.RETURNED:
        path = [Status.PLACED, Status.PAID, Status.SHIPPED, Status.DELIVERED, Status.RETURNED]
    else:
        path = [Status.PLACED, Status.PAID, Status.SHIPPED, Status.DELIVERED]
    steps = []
    for status in path:
        at = getattr(order, f"{status}_at")
        steps.append(
            {
                "status": status,
                "label": Status(status).label,
                "at": at,
                "done": at is not None,
                "current": order.status == status,
            }
        )
    if order.status == Status.PLACED and order.payment_method == "invoice":
        steps[1]["hint"] = _("Waiting for payment of the invoice")
    return steps
