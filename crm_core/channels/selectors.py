"""Reads of the channels, as the reader may see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from crm_core.channels.models import Call, Telephony
from crm_core.parties.selectors import contacts_visible
from tenants.identity.models import User


def calls_visible(*, user: User) -> QuerySet[Call]:
    """Calls with the clients the user may see, and the calls they took or made themselves."""
    return Call.objects.filter(Q(contact__in=contacts_visible(user=user)) | Q(staff=user))


def phone_system_dials() -> bool:
    """Whether calls are placed through the phone system's API (else `tel:` links do)."""
    telephony = Telephony.objects.first()
    return telephony is not None and telephony.can_dial
