"""Building blocks of the CRM services: normalisation, ownership and optimistic locking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.common.models import OwnedRecord
from crm_core.common.visibility import can_assign_owners
from tenants.identity.models import User

Record = TypeVar("Record", bound=OwnedRecord)


class EditConflict(ValidationError):
    """Someone saved the record after the editor loaded it."""


def emails_normalise(values: Iterable[str]) -> list[str]:
    result: list[str] = []
    for raw in values:
        email = raw.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"emails": [_("“%(value)s” is not an email address.") % {"value": raw.strip()}]}
            ) from None
        if email not in result:
            result.append(email)
    return result


def phone_normalise(raw: str, region: str | None = None) -> str | None:
    """E.164 form of a phone typed any way (+7 916…, 8 (916)…, 916 123 45 67), or None."""
    try:
        number = phonenumbers.parse(raw, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_normalise(values: Iterable[str]) -> list[str]:
    result: list[str] = []
    for raw in values:
        if not raw.strip():
            continue
        phone = phone_normalise(raw)
        if phone is None:
            raise ValidationError(
                {"phones": [_("“%(value)s” is not a phone number.") % {"value": raw.strip()}]}
            )
        if phone not in result:
            result.append(phone)
    return result


def owner_resolve(*, actor: User, owner: User | None) -> User:
    """Who owns a new or reassigned record: a sales rep always owns what they create."""
    if owner is None or owner == actor:
        return actor
    if not can_assign_owners(actor):
        raise ValidationError({"owner": [_("You can only own records yourself.")]})
    if not owner.is_active or not owner.is_staff_member:
        raise ValidationError({"owner": [_("Choose an active colleague.")]})
    return owner


def unknown_fields_refuse(data: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse the fields a service does not take, each named, instead of dropping them."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({field: [_("Unknown field.")] for field in unknown})


@transaction.atomic
def record_update(
    *, instance: Record, changes: dict[str, Any], expected_version: int | None
) -> Record:
    """Write `changes` only if nobody saved the record since `expected_version` was read, and
    return the record as it now is (without reading it again). The caller pushes the change to
    open pages (its domain's live.py) and queues its indexing (`search_soon`)."""
    manager = type(instance)._default_manager
    version = instance.version if expected_version is None else expected_version
    now = timezone.now()
    updated = manager.filter(pk=instance.pk, version=version).update(
        **changes, version=F("version") + 1, updated_at=now
    )
    if not updated:
        current = manager.filter(pk=instance.pk).values("updated_at").first()
        when = timezone.localtime(current["updated_at"]).strftime("%H:%M") if current else "?"
        raise EditConflict(
            _(
                "Someone else saved this record at %(when)s after you opened it. Reload to see "
                "their changes, then apply yours again."
            )
            % {"when": when},
            code="conflict",
        )
    if any(hasattr(value, "resolve_expression") for value in changes.values()):
        instance.refresh_from_db()  # an expression's result is only known to the database
        return instance
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.version, instance.updated_at = version + 1, now
    return instance
