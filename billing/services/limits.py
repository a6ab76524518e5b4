"""The plan's limits on what a company stores: contacts and files. (Seats are in
subscriptions, API calls in billing.throttling.)"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from billing.services.subscriptions import current_subscription


def contact_limit_error(*, adding: int = 1) -> str:
    """The message refusing `adding` more contacts, or "" when the plan has room."""
    limit = current_subscription().plan.max_contacts
    if limit is None:
        return ""
    from crm_core.models import Contact

    count = Contact.objects.count()
    if count + adding <= limit:
        return ""
    return _(
        "Your plan holds up to %(limit)s contacts and you have %(count)s. Upgrade the plan on "
        "the billing page, or archive and merge contacts you no longer need."
    ) % {"limit": f"{limit:,}", "count": f"{count:,}"}


def contacts_room(*, adding: int = 1) -> None:
    message = contact_limit_error(adding=adding)
    if message:
        raise ValidationError(message, code="contact_limit")


def storage_room(*, adding_bytes: int) -> None:
    """Refuse files beyond the plan's storage."""
    limit_mb = current_subscription().plan.max_storage_mb
    if limit_mb is None:
        return
    from crm_core.models import Attachment

    used = Attachment.objects.aggregate(total=Sum("size"))["total"] or 0
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
