"""The customer's own details: name, consents, phone and delivery addresses."""

from __future__ import annotations

from django.db import transaction

from crm_core.common.indexing import search_soon
from crm_core.common.services import phones_normalise
from crm_core.parties.models import Contact
from portal.models import Address


@transaction.atomic
def address_save(*, contact: Contact, form) -> Address:
    address = form.save(commit=False)
    address.contact = contact
    first = not Address.objects.filter(contact=contact).exclude(pk=address.pk).exists()
    if first:
        address.is_default = True
    if address.is_default:
        Address.objects.filter(contact=contact).exclude(pk=address.pk).update(is_default=False)
    address.save()
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    contact_id, was_default = address.contact_id, address.is_default
    address.delete()
    if was_default:
        following = Address.objects.filter(contact_id=contact_id).first()
        if following:
            following.is_default = True
            following.save(update_fields=["is_default"])


def profile_save(*, contact: Contact, form, phone: str) -> Contact:
    """Save what the customer may change of their contact (the form lists those fields)."""
    contact = form.save(commit=False)
    if phone:
        phones = phones_normalise([phone])
        contact.phones = phones + [known for known in contact.phones if known not in phones]
    contact.save()
    search_soon()
    return contact
