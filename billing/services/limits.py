"""The plan's limits on what a company stores: contacts and files. (Seats are in
subscriptions, API calls in billing.throttling.)

Billing knows plans, not the CRM's records: each check is given how to count what it limits,
and counts only when the plan has a limit."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from billing.services.subscriptions import current_subscription

Count = Callable[[], int]


def contact_limit_error(*, count: Count, adding: int = 1) -> str:
    """The message refusing `adding` more contacts (`count()`: how many there are), or ""
    when the plan has room."""
    limit = current_subscription().plan.max_contacts
    if limit is None:
        return ""
    existing = count()
    if existing + adding <= limit:
        return ""
    return _(
        "Your plan holds up to %(limit)s contacts and you have %(count)s. Upgrade the plan on "
        "the billing page, or archive and merge contacts you no longer need."
    ) % {"limit": f"{limit:,}", "count": f"{existing:,}"}


def contacts_room(*, count: Count, adding: int = 1) -> None:
    message = contact_limit_error(count=count, adding=adding)
    if message:
        raise ValidationError(message, code="contact_limit")


def storage_room(*, used_bytes: Count, adding_bytes: int) -> None:
    """Refuse files beyond the plan's storage (`used_bytes()`: what the files take now)."""
    limit_mb = current_subscription().plan.max_storage_mb
    if limit_mb is None:
        return
    used = used_bytes()
    if used + adding_bytes <= limit_mb * 1024 * 1024:
        return
    raise ValidationError(
        {
            "attachments": [
                _(
                    "Your plan's %(limit)s MB of file storage is used up. Upgrade the plan on "
                    "the billing page, or delete files you no longer need."
                )
                % {"limit": f"{limit_mb:,}"}
            ]
        },
        code="storage_limit",
    )
