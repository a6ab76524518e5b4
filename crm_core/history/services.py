"""Merging duplicate contacts, and undoing a merge."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.activities.models import Interaction, Note, StageChange, Task
from crm_core.commerce.models import Order
from crm_core.common.indexing import search_soon
from crm_core.common.services import record_update
from crm_core.deals.models import Deal
from crm_core.history.models import ContactMerge
from crm_core.parties.live import party_changed
from crm_core.parties.models import Contact
from crm_core.support.models import Ticket
from tenants.identity.models import User

# Fields the user picks per side; lists (emails, phones) are combined.
MERGE_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "position",
    "birthday",
    "preferred_channel",
    "language",
    "time_zone",
    "lifecycle_stage",
    "notes",
)


RELATED = {
    "interactions": (Interaction, "contact"),
    "deals": (Deal, "contact"),
    "tasks": (Task, "contact"),
    "orders": (Order, "contact"),
    "tickets": (Ticket, "contact"),
    "stage_changes": (StageChange, "contact"),
    "notes": (Note, "contact"),
}


def _snapshot(contact: Contact) -> dict[str, Any]:
    values = {
        name: getattr(contact, f"{name}_id" if name in ("company", "lifecycle_stage") else name)
        for name in MERGE_FIELDS
    }
    values["birthday"] = contact.birthday.isoformat() if contact.birthday else None
    values["emails"], values["phones"] = list(contact.emails), list(contact.phones)
    return values


@transaction.atomic
def contacts_merge(
    *, actor: User, survivor: Contact, merged: Contact, take_from_merged: list[str]
) -> ContactMerge:
    """Fold `merged` into `survivor`: the chosen fields come from `merged`, emails and phones
    are combined, every interaction, deal, task, order, ticket and stage change moves over,
    and `merged` is archived. Undone by `contact_merge_undo`."""
    if survivor.pk == merged.pk:
        raise ValidationError(_("Choose two different contacts."))
    unknown = set(take_from_merged) - set(MERGE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    survivor = Contact.objects.select_for_update().get(pk=survivor.pk)
    merged = Contact.objects.select_for_update().get(pk=merged.pk)
    if merged.archived_at is not None:
        raise ValidationError(
            _("%(name)s is archived or already merged.") % {"name": merged.full_name}
        )
    before = _snapshot(survivor)
    moved = {}
    for key, (model, field) in RELATED.items():
        ids = list(model._default_manager.filter(**{field: merged}).values_list("pk", flat=True))
        model._default_manager.filter(pk__in=ids).update(**{field: survivor})
        moved[key] = ids
    changes = {name: getattr(merged, name) for name in take_from_merged}
    changes["emails"] = list(dict.fromkeys([*survivor.emails, *merged.emails]))
    changes["phones"] = list(dict.fromkeys([*survivor.phones, *merged.phones]))
    record_update(instance=survivor, changes=changes, expected_version=None)
    record_update(instance=merged, changes={"archived_at": timezone.now()}, expected_version=None)
    party_changed(survivor)
    party_changed(merged)
    search_soon()
    return ContactMerge.objects.create(
        survivor=survivor, merged=merged, survivor_before=before, moved=moved, merged_by=actor
    )


@transaction.atomic
def contact_merge_undo(*, merge: ContactMerge) -> Contact:
    """Put both contacts back as they were; rows moved by the merge go back to their owner."""
    merge = ContactMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError(_("This merge was already undone."))
    for key, (model, field) in RELATED.items():
        model._default_manager.filter(pk__in=merge.moved.get(key, [])).update(
            **{field: merge.merged}
        )
    before = dict(merge.survivor_before)
    restore = {
        (
            "company_id"
            if k == "company"
            else "lifecycle_stage_id"
            if k == "lifecycle_stage"
            else k
        ): v
        for k, v in before.items()
    }
    record_update(instance=merge.survivor, changes=restore, expected_version=None)
    record_update(instance=merge.merged, changes={"archived_at": None}, expected_version=None)
    party_changed(merge.survivor)
    party_changed(merge.merged)
    search_soon()
    merge.undone_at = timezone.now()
    merge.save(update_fields=["undone_at"])
    return merge.merged
