"""Writes of companies, contacts and lifecycle stages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.services.limits import contacts_room
from crm_core.activities.services import stage_change_record
from crm_core.common.indexing import search_soon
from crm_core.common.requisites import REQUISITE_FIELDS, requisites_clean
from crm_core.common.services import (
    emails_normalise,
    owner_resolve,
    phones_normalise,
    record_update,
    unknown_fields_refuse,
)
from crm_core.common.system_text import SystemText
from crm_core.parties.live import party_changed
from crm_core.parties.models import TIME_ZONES, Company, Contact, LifecycleStage
from crm_core.segments.services import segment_kind_check, segment_values_clean
from tenants.identity.models import User

# what staff may edit on a company or a contact (the owner has its own rules), in the order the
# API shows them
COMPANY_FIELDS = (
    "name",
    "legal_name",
    "tax_id",
    "industry",
    "website",
    "emails",
    "phones",
    "legal_address",
    "postal_address",
    "lifecycle_stage",
    "notes",
    "segment",
    "segment_values",
    *REQUISITE_FIELDS,
)


CONTACT_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "position",
    "emails",
    "phones",
    "birthday",
    "preferred_channel",
    "language",
    "time_zone",
    "consent_email",
    "consent_sms",
    "consent_calls",
    "is_vip",
    "lifecycle_stage",
    "notes",
    "segment",
    "segment_values",
)


class DuplicateFound(ValidationError):
    """A contact with the same email or phone exists; the caller may confirm and go on."""

    def __init__(self, duplicates: list[Contact]) -> None:
        self.duplicates = duplicates
        super().__init__(
            _("A contact with the same email or phone already exists."), code="duplicate"
        )


def _segment_clean(fields: dict[str, Any], kind: str, current=None) -> None:
    """Validate segment values against the (new or current) segment's schema."""

    segment = fields["segment"] if "segment" in fields else getattr(current, "segment", None)
    segment_kind_check(segment, kind)
    if "segment" in fields and "segment_values" not in fields:
        fields["segment_values"] = {}
    if "segment_values" in fields:
        if segment is None:
            if fields["segment_values"]:
                raise ValidationError({"segment_values": [_("Choose a segment first.")]})
            fields["segment_values"] = {}
        else:
            fields["segment_values"] = segment_values_clean(
                segment=segment, raw=fields["segment_values"] or {}
            )


def _clean(data: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown_fields_refuse(data, (*allowed, "owner"))
    cleaned = {key: value for key, value in data.items() if key in allowed}
    if "emails" in cleaned:
        cleaned["emails"] = emails_normalise(cleaned["emails"] or [])
    if "phones" in cleaned:
        cleaned["phones"] = phones_normalise(cleaned["phones"] or [])
    if cleaned.get("time_zone") and cleaned["time_zone"] not in TIME_ZONES:
        raise ValidationError(
            {"time_zone": [_("Choose a time zone such as Europe/Moscow or Asia/Novosibirsk.")]}
        )
    return cleaned


def contact_duplicates_find(
    *, emails: list[str], phones: list[str], exclude_id: int | None = None
) -> QuerySet[Contact]:
    condition = Q()
    if emails:
        condition |= Q(emails__overlap=emails)
    if phones:
        condition |= Q(phones__overlap=phones)
    if not condition:
        return Contact.objects.none()
    found = Contact.objects.filter(condition, archived_at=None)
    return found if exclude_id is None else found.exclude(pk=exclude_id)


@transaction.atomic
def contact_create(*, actor: User, data: dict[str, Any], allow_duplicate: bool = False) -> Contact:
    fields = _clean(data, CONTACT_FIELDS)
    _segment_clean(fields, "contact")
    if not (fields.get("first_name") or "").strip():
        raise ValidationError({"first_name": [_("Enter a first name.")]})
    contacts_room(count=Contact.objects.count)
    owner = owner_resolve(actor=actor, owner=data.get("owner"))
    if not allow_duplicate:
        duplicates = list(
            contact_duplicates_find(
                emails=fields.get("emails", []), phones=fields.get("phones", [])
            )[:5]
        )
        if duplicates:
            raise DuplicateFound(duplicates)
    contact = Contact.objects.create(**fields, owner=owner, team=owner.team)
    search_soon()
    return contact


def contact_update(
    *, actor: User, contact: Contact, data: dict[str, Any], expected_version: int | None
) -> Contact:
    return _party_update(
        actor,
        contact,
        data,
        expected_version,
        CONTACT_FIELDS,
        "contact",
        "first_name",
        _("Enter a first name."),
    )


@transaction.atomic
def _requisites_clean(changes: dict[str, Any], company: Company | None = None) -> None:
    """Check the company's requisites as they will be, writing the changed ones the one way
    they are kept."""
    names = ("tax_id", *REQUISITE_FIELDS)
    if not any(name in changes for name in names):
        return
    current = {name: getattr(company, name) if company else None for name in names}
    cleaned = requisites_clean({**current, **{k: v for k, v in changes.items() if k in names}})
    changes.update({name: cleaned[name] for name in names if name in changes})


def company_create(*, actor: User, data: dict[str, Any]) -> Company:
    fields = _clean(data, COMPANY_FIELDS)
    _segment_clean(fields, "company")
    _requisites_clean(fields)
    if not (fields.get("name") or "").strip():
        raise ValidationError({"name": [_("Enter the company's name.")]})
    owner = owner_resolve(actor=actor, owner=data.get("owner"))
    company = Company.objects.create(**fields, owner=owner, team=owner.team)
    search_soon()
    return company


def company_update(
    *, actor: User, company: Company, data: dict[str, Any], expected_version: int | None
) -> Company:
    return _party_update(
        actor,
        company,
        data,
        expected_version,
        COMPANY_FIELDS,
        "company",
        "name",
        _("Enter the company's name."),
    )


def _party_update(
    actor: User,
    record,
    data: dict[str, Any],
    expected_version: int | None,
    allowed: tuple[str, ...],
    kind: str,
    name_field: str,
    name_message: str,
):
    """The update shared by contacts and companies: validate, reassign, save, record stage."""
    changes = _clean(data, allowed)
    _segment_clean(changes, kind, record)
    if kind == "company":
        _requisites_clean(changes, record)
    if name_field in changes and not changes[name_field].strip():
        raise ValidationError({name_field: [name_message]})
    if "owner" in data and data["owner"] != record.owner:
        owner = owner_resolve(actor=actor, owner=data["owner"])
        changes.update(owner=owner, team=owner.team)
    return _update_recording_stage(actor, record, changes, expected_version)


@transaction.atomic
def _update_recording_stage(actor: User, record, changes: dict, expected_version: int | None):
    """Save the changes; a new lifecycle stage also lands in the stage history."""

    previous = record.lifecycle_stage
    record = record_update(instance=record, changes=changes, expected_version=expected_version)
    party_changed(record)
    search_soon()
    if "lifecycle_stage" in changes and record.lifecycle_stage != previous:
        stage_change_record(
            actor=actor,
            record=record,
            from_stage=previous,
            to_stage=record.lifecycle_stage,
            reason=SystemText(gettext_noop("Edited")),
        )
    return record


def record_archive(*, record: Company | Contact, archived: bool = True) -> Company | Contact:
    record = record_update(
        instance=record,
        changes={"archived_at": timezone.now() if archived else None},
        expected_version=None,
    )
    party_changed(record)
    search_soon()
    return record


def lifecycle_stages_default_create() -> None:
    """The stages a new company starts with, named in the language of the signup."""
    if LifecycleStage.objects.exists():
        return
    names = [_("Lead"), _("Qualified"), _("Customer"), _("Repeat customer"), _("Inactive")]
    colors = ["#94a3b8", "#6366f1", "#16a34a", "#0d9488", "#f59e0b"]
    LifecycleStage.objects.bulk_create(
        LifecycleStage(name=name, position=index, color=color)
        for index, (name, color) in enumerate(zip(names, colors, strict=True))
    )
