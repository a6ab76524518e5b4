"""Logging interactions, applying outcome rules, and moving clients between stages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm_core import live
from crm_core.models import (
    Channel,
    Company,
    Contact,
    Interaction,
    InteractionOutcome,
    InteractionTopic,
    LifecycleStage,
    StageChange,
)
from crm_core.services.common import record_update
from crm_core.system_text import SystemText
from tenants.identity.models import User

INTERACTION_FIELDS = (
    "channel",
    "direction",
    "occurred_at",
    "duration_minutes",
    "subject",
    "notes",
    "topic",
    "outcome",
)


@dataclass(frozen=True)
class InteractionLogged:
    interaction: Interaction
    moved: StageChange | None = None
    suggested_stage: LifecycleStage | None = None


def _validate(fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if fields.get("channel") not in Channel.values:
        errors["channel"] = [_("Choose a channel.")]
    occurred_at = fields.get("occurred_at")
    if occurred_at and occurred_at > timezone.now() + timedelta(hours=1):
        errors["occurred_at"] = [
            _("An interaction is logged after it happens; plan future ones as tasks.")
        ]
    duration = fields.get("duration_minutes")
    if duration is not None and duration > 24 * 60:
        errors["duration_minutes"] = [_("At most 24 hours.")]
    for name, model in (("topic", InteractionTopic), ("outcome", InteractionOutcome)):
        value = fields.get(name)
        if value is not None and (not isinstance(value, model) or not value.is_active):
            errors[name] = [_("Choose one of the current values.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def interaction_log(
    *,
    actor: User | None,
    contact: Contact,
    data: dict[str, Any],
    participants: list[Contact] | None = None,
    staff: list[User] | None = None,
) -> InteractionLogged:
    """Log an interaction on the contact's timeline and apply its outcome's stage rule. A
    subject the CRM writes itself comes as a SystemText: it is written out for each reader."""
    fields = {key: value for key, value in data.items() if key in INTERACTION_FIELDS}
    if isinstance(fields.get("subject"), SystemText):
        written = fields["subject"]
        fields.update(
            subject=str(written)[:255],
            subject_message=written.message,
            subject_params=written.params,
        )
    fields.setdefault("occurred_at", timezone.now())
    if fields.get("occurred_at") is None:
        fields["occurred_at"] = timezone.now()
    _validate(fields)
    interaction = Interaction.objects.create(
        **fields, contact=contact, company=contact.company, created_by=actor
    )
    if participants:
        interaction.participants.set(participants)
    if staff:
        interaction.staff.set(staff)
    live.contact_timeline_changed(contact)
    outcome: InteractionOutcome | None = fields.get("outcome")
    stage = outcome.moves_to_stage if outcome else None
    current = contact.lifecycle_stage
    # Rules only move a contact forward: a customer who agrees to a demo stays a customer.
    if stage is None or (current is not None and current.position >= stage.position):
        return InteractionLogged(interaction)
    if outcome.rule == InteractionOutcome.Rule.SUGGEST:
        return InteractionLogged(interaction, suggested_stage=stage)
    moved = contact_stage_change(
        actor=actor,
        contact=contact,
        stage=stage,
        reason=SystemText(gettext_noop("Outcome “%(outcome)s”"), {"outcome": outcome.name}),
        interaction=interaction,
    )
    return InteractionLogged(interaction, moved=moved)


def stage_change_record(
    *,
    actor: User | None,
    record: Contact | Company,
    from_stage: LifecycleStage | None,
    to_stage: LifecycleStage | None,
    reason: str | SystemText = "",
    interaction: Interaction | None = None,
) -> StageChange:
    written = reason if isinstance(reason, SystemText) else SystemText("")
    return StageChange.objects.create(
        **{"contact" if isinstance(record, Contact) else "company": record},
        from_stage=from_stage,
        to_stage=to_stage,
        changed_by=actor,
        reason=str(reason)[:255],
        reason_message=written.message,
        reason_params=written.params,
        interaction=interaction,
    )


@transaction.atomic
def contact_stage_change(
    *,
    actor: User | None,
    contact: Contact,
    stage: LifecycleStage,
    reason: str | SystemText = "",
    interaction: Interaction | None = None,
) -> StageChange | None:
    """Move the contact to `stage` (no-op when it is there already) and record why."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.lifecycle_stage_id == stage.pk:
        return None
    previous = contact.lifecycle_stage
    record_update(instance=contact, changes={"lifecycle_stage": stage}, expected_version=None)
    return stage_change_record(
        actor=actor,
        record=contact,
        from_stage=previous,
        to_stage=stage,
        reason=reason,
        interaction=interaction,
    )


def interaction_lists_default_create() -> None:
    """Topics and outcomes a new company starts with; outcomes wired to the default stages."""
    if InteractionTopic.objects.exists() or InteractionOutcome.objects.exists():
        return
    topics = [
        _("Product question"),
        _("Price request"),
        _("Delivery"),
        _("Complaint"),
        _("Partnership"),
    ]
    InteractionTopic.objects.bulk_create(
        InteractionTopic(name=name, position=index) for index, name in enumerate(topics)
    )
    stages = list(LifecycleStage.objects.order_by("position"))
    qualified = stages[1] if len(stages) > 1 else None
    customer = stages[2] if len(stages) > 2 else None
    outcomes = [
        (_("Agreed to a demo"), qualified, InteractionOutcome.Rule.MOVE),
        (_("Asked for an offer"), qualified, InteractionOutcome.Rule.SUGGEST),
        (_("Placed an order"), customer, InteractionOutcome.Rule.MOVE),
        (_("Call back later"), None, InteractionOutcome.Rule.MOVE),
        (_("Not interested"), None, InteractionOutcome.Rule.MOVE),
        (_("No answer"), None, InteractionOutcome.Rule.MOVE),
    ]
    InteractionOutcome.objects.bulk_create(
        InteractionOutcome(name=name, position=index, moves_to_stage=stage, rule=rule)
        for index, (name, stage, rule) in enumerate(outcomes)
    )


ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_PER_INTERACTION = 10


def attachments_add(*, actor: User | None, interaction: Interaction, files: list) -> list:
    """Store files on an interaction, in the tenant's own folder; too big or too many is
    refused, naming the file, and nothing of that batch is kept."""
    import mimetypes
    import uuid

    from django.core.files.storage import default_storage

    from billing.services.limits import storage_room
    from crm_core.models import Attachment

    problems = []
    if interaction.attachments.count() + len(files) > ATTACHMENTS_PER_INTERACTION:
        problems.append(
            _("At most %(count)d files per interaction.") % {"count": ATTACHMENTS_PER_INTERACTION}
        )
    for upload in files:
        if upload.size > ATTACHMENT_MAX_BYTES:
            problems.append(
                _("“%(name)s” is larger than %(limit)d MB.")
                % {"name": upload.name, "limit": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            )
        elif upload.size == 0:
            problems.append(_("“%(name)s” is empty.") % {"name": upload.name})
    if problems:
        raise ValidationError({"attachments": problems})
    storage_room(
        used_bytes=lambda: Attachment.objects.aggregate(total=Sum("size"))["total"] or 0,
        adding_bytes=sum(upload.size for upload in files),
    )
    stored = []
    try:
        for upload in files:
            name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][-200:] or "file"
            attachment = Attachment(
                uuid=uuid.uuid4(),
                interaction=interaction,
                filename=name,
                size=upload.size,
                content_type=(
                    getattr(upload, "content_type", "") or mimetypes.guess_type(name)[0] or ""
                )[:120],
                uploaded_by=actor,
            )
            attachment.file.save(name, upload, save=False)
            attachment.save()
            stored.append(attachment)
    except Exception:
        for attachment in stored:
            default_storage.delete(attachment.file.name)
            attachment.delete()
        raise
    return stored
