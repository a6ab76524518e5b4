"""What a contact's or company's change pushes to the pages open on it."""

from __future__ import annotations

from crm_core.common.live import actor_named, record_group, timeline_changed
from crm_core.parties.models import Company, Contact
from tenants.realtime import broadcast_after_commit


def contact_timeline_changed(contact: Contact) -> None:
    """Something about this contact is new: its card's timeline and its company's, for the
    readers who may see the contact."""
    timeline_changed(
        contact_id=contact.pk,
        company_id=contact.company_id,
        seen_by=(contact.owner_id, contact.team_id),
    )


def party_changed(record: Contact | Company) -> None:
    """A contact's or company's own fields changed."""
    kind = "contact" if isinstance(record, Contact) else "company"
    actor = actor_named()
    broadcast_after_commit(
        [record_group(kind, record.pk)], {"type": "record.changed", "part": "record", **actor}
    )
    if isinstance(record, Contact):
        timeline_changed(
            contact_id=None,
            company_id=record.company_id,
            actor=actor,
            seen_by=(record.owner_id, record.team_id),
        )
