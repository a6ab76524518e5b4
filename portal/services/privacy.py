"""The customer's rights over their data: a download of everything the company holds on them,
and erasure, which staff carry out from the request the customer opens."""

from __future__ import annotations

import io
import json
import zipfile

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.activities.models import Attachment, Interaction, Note
from crm_core.commerce.models import Order
from crm_core.common.indexing import search_soon
from crm_core.history.models import RecordChange
from crm_core.parties.models import Contact
from crm_core.support.models import Ticket, TicketMessage
from crm_core.support.services import ticket_open
from portal.models import CustomerAccount

ERASED = "[erased]"


def data_export(*, account: CustomerAccount) -> bytes:
    """A ZIP with data.json (profile, addresses, orders, requests and their threads, the
    history of contacts) and the files the customer sent."""
    contact = account.contact
    user = account.user
    orders = Order.objects.filter(contact=contact).prefetch_related("lines__product")
    tickets = Ticket.objects.filter(contact=contact).prefetch_related("messages")
    data = {
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "name": user.full_name,
            "language": user.language,
            "joined": user.date_joined,
            "email_verified": account.email_verified_at,
            "two_factor": user.totp_enabled_at is not None,
        },
        "profile": {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "emails": contact.emails,
            "phones": contact.phones,
            "birthday": contact.birthday,
            "language": contact.language,
            "company": contact.company.name if contact.company else None,
            "consents": {
                "email": contact.consent_email,
                "sms": contact.consent_sms,
                "calls": contact.consent_calls,
            },
        },
        "addresses": [
            {
                "label": address.label,
                "recipient": address.recipient,
                "line1": address.line1,
                "line2": address.line2,
                "city": address.city,
                "postcode": address.postcode,
                "country": address.country,
                "phone": address.phone,
                "default": address.is_default,
            }
            for address in contact.addresses.all()
        ],
        "orders": [
            {
                "number": order.number,
                "status": order.status,
                "created": order.created_at,
                "placed": order.placed_at,
                "paid": order.paid_at,
                "shipped": order.shipped_at,
                "delivered": order.delivered_at,
                "currency": order.currency,
                "total": order.total,
                "delivery_address": order.shipping_address,
                "notes": order.notes,
                "lines": [
                    {
                        "sku": line.product.sku,
                        "product": line.product.name,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "total": line.total,
                    }
                    for line in order.lines.all()
                ],
            }
            for order in orders
        ],
        "requests": [
            {
                "number": ticket.number,
                "subject": ticket.subject,
                "status": ticket.status,
                "opened": ticket.created_at,
                "messages": [
                    {
                        "from": "you" if message.from_client else "staff",
                        "at": message.created_at,
                        "text": message.body,
                    }
                    for message in ticket.messages.all()
                    if not message.internal
                ],
            }
            for ticket in tickets
        ],
        "contact_history": [
            {"at": at, "channel": channel, "direction": direction, "subject": subject}
            for at, channel, direction, subject in Interaction.objects.filter(
                contact=contact
            ).values_list("occurred_at", "channel", "direction", "subject")
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        )
        for attachment in Attachment.objects.filter(interaction__contact=contact, uploaded_by=user):
            with attachment.file.open("rb") as handle:
                archive.writestr(f"files/{attachment.uuid}-{attachment.filename}", handle.read())
    return buffer.getvalue()


@transaction.atomic
def erasure_request(*, account: CustomerAccount) -> Ticket:
    """Ask the company to erase the customer's personal data: a request in the support queue."""
    open_request = Ticket.objects.filter(contact=account.contact, kind=Ticket.Kind.ERASURE).exclude(
        status__in=[Ticket.Status.CLOSED, Ticket.Status.RESOLVED]
    )
    if open_request.exists():
        raise ValidationError(_("You have already asked for erasure; the team is on it."))
    ticket = ticket_open(
        actor=account.user,
        contact=account.contact,
        subject=_("Erase my personal data"),
        body=_(
            "I ask you to erase my personal data and close my customer account. "
            "Keep only what the law requires for my orders."
        ),
        priority=Ticket.Priority.HIGH,
        kind=Ticket.Kind.ERASURE,
        source="portal",
    )
    account.erasure_requested_at = timezone.now()
    account.save(update_fields=["erasure_requested_at"])
    return ticket


@transaction.atomic
def contact_erase(*, actor, contact: Contact) -> Contact:
    """Anonymise a person: their name, ways to reach them, addresses, notes, messages and files
    go, and so does the change history that held them; orders keep their numbers, lines and
    totals (the company's books need them), and the portal account is closed."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators erase personal data."))
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    order_ids = list(Order.objects.filter(contact=contact).values_list("pk", flat=True))
    ticket_ids = list(Ticket.objects.filter(contact=contact).values_list("pk", flat=True))
    Order.objects.filter(pk__in=order_ids).update(shipping_address="", notes="")
    TicketMessage.objects.filter(ticket_id__in=ticket_ids).update(body=ERASED)
    Ticket.objects.filter(pk__in=ticket_ids).update(subject=ERASED)
    interactions = Interaction.objects.filter(contact=contact)
    notes = Note.objects.filter(contact=contact)
    for attachment in Attachment.objects.filter(
        Q(interaction__in=interactions) | Q(note__in=notes)
    ):
        attachment.file.delete(save=False)
        attachment.delete()
    interactions.update(notes="")
    notes.delete()
    contact.addresses.all().delete()
    for field, value in {
        "first_name": _("Erased"),
        "last_name": f"#{contact.pk}",
        "emails": [],
        "phones": [],
        "birthday": None,
        "position": "",
        "notes": "",
        "language": "",
        "segment_values": {},
        "consent_email": False,
        "consent_sms": False,
        "consent_calls": False,
        "archived_at": timezone.now(),
    }.items():
        setattr(contact, field, value)
    contact.save()
    account = CustomerAccount.objects.filter(contact=contact).select_related("user").first()
    if account is not None:
        user = account.user
        user.email = f"erased-{user.pk}@erased.invalid"
        user.full_name = _("Erased customer")
        user.password = make_password(None)
        user.is_active = False
        user.totp_secret = ""
        user.totp_enabled_at = None
        user.save()
        account.cart.all().delete()
    # the trigger-written history holds the old values: it goes last, after these updates
    RecordChange.objects.filter(table_name__in=["crm_core_contact"], record_id=contact.pk).delete()
    RecordChange.objects.filter(table_name="crm_core_order", record_id__in=order_ids).delete()
    RecordChange.objects.filter(table_name="crm_core_ticket", record_id__in=ticket_ids).delete()
    Ticket.objects.filter(pk__in=ticket_ids, kind=Ticket.Kind.ERASURE).exclude(
        status=Ticket.Status.CLOSED
    ).update(status=Ticket.Status.RESOLVED, resolved_at=timezone.now())
    search_soon()  # the erased names and texts leave the search index too
    return contact
