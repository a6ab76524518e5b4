"""Activities: logging interactions, applying outcome rules, moving clients between stages, and
tasks with their reminders."""

from __future__ import annotations

import mimetypes
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from billing.services.limits import storage_room
from crm_core.activities.models import (
    Attachment,
    CallTaskRule,
    Channel,
    Direction,
    Interaction,
    InteractionOutcome,
    InteractionTopic,
    Note,
    StageChange,
    Task,
)
from crm_core.common.figures import figures_soon
from crm_core.common.indexing import search_soon
from crm_core.common.live import record_page_changed, timeline_changed
from crm_core.common.services import owner_resolve, record_update
from crm_core.common.system_text import SystemText
from crm_core.deals.models import Deal
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.live import contact_timeline_changed, party_changed
from crm_core.parties.models import Company, Contact, LifecycleStage
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.links import tenant_url

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


def _interaction_validate(fields: dict[str, Any]) -> None:
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
    missed_call: bool = False,
) -> InteractionLogged:
    """Log an interaction on the contact's timeline and apply its outcome's stage rule. A
    subject the CRM writes itself comes as a SystemText: it is written out for each reader.
    An inbound call (`missed_call`: one nobody answered) makes a task by the call rule."""
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
    _interaction_validate(fields)
    interaction = Interaction.objects.create(
        **fields, contact=contact, company=contact.company, created_by=actor
    )
    if participants:
        interaction.participants.set(participants)
    if staff:
        interaction.staff.set(staff)
    contact_timeline_changed(contact)
    search_soon()
    figures_soon()
    if interaction.channel == Channel.CALL and interaction.direction == Direction.INBOUND:
        call_task_make(interaction=interaction, actor=actor, missed=missed_call)
    outcome: InteractionOutcome | None = fields.get("outcome")
    stage = outcome.moves_to_stage if outcome else None
    current = contact.lifecycle_stage
    # Rules only move a contact forward: a customer who agrees to a demo stays a customer.
    if (
        outcome is None
        or stage is None
        or (current is not None and current.position >= stage.position)
    ):
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
    party_changed(contact)
    search_soon()
    figures_soon()
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
    if interaction.attachments.count() + len(files) > ATTACHMENTS_PER_INTERACTION:
        raise ValidationError(
            {
                "attachments": [
                    _("At most %(count)d files per interaction.")
                    % {"count": ATTACHMENTS_PER_INTERACTION}
                ]
            }
        )
    return _files_store(actor=actor, files=files, parent={"interaction": interaction})


def _files_store(*, actor: User | None, files: list, parent: dict[str, Any]) -> list:
    """Store `files` as attachments of `parent` (an interaction or a note)."""
    problems = []
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
                **parent,
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
            if attachment.file.name:
                default_storage.delete(attachment.file.name)
            attachment.delete()
        raise
    return stored


# --- notes on a contact, a company or a deal -----------------------------------------------------
ATTACHMENTS_PER_NOTE = 10
NOTE_MAX_CHARS = 20_000


@transaction.atomic
def note_add(
    *, actor: User, record: Contact | Company | Deal, body: str, files: list | None = None
) -> Note:
    """A note on the record (one the caller has let `actor` see), with its files. A note says
    something or carries a file; a bad file refuses the whole note."""
    body, files = (body or "").strip(), list(files or [])
    if not body and not files:
        raise ValidationError({"body": [_("Write the note or attach a file.")]})
    if len(body) > NOTE_MAX_CHARS:
        raise ValidationError(
            {"body": [_("A note is at most %(count)d characters.") % {"count": NOTE_MAX_CHARS}]}
        )
    if len(files) > ATTACHMENTS_PER_NOTE:
        raise ValidationError(
            {
                "attachments": [
                    _("At most %(count)d files per note.") % {"count": ATTACHMENTS_PER_NOTE}
                ]
            }
        )
    target = {type(record).__name__.lower(): record}
    note = Note.objects.create(body=body, author=actor, **target)
    if files:
        _files_store(actor=actor, files=files, parent={"note": note})
    _record_changed(record)
    return note


def note_delete(*, actor: User, note: Note) -> None:
    """Its author, or a manager of the team, deletes a note; its files go after the commit."""
    if note.author_id != actor.pk and not (actor.can_manage_team or actor.role == Role.SALES_HEAD):
        raise PermissionDenied(_("Only its author or a manager deletes a note."))
    names = [attachment.file.name or "" for attachment in note.attachments.all()]
    record = note.record
    note.delete()
    transaction.on_commit(lambda: _files_delete(names))
    _record_changed(record)


def _files_delete(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)


def _record_changed(record: Contact | Company | Deal) -> None:
    """Colleagues watching the record's page see the note come or go."""
    record_page_changed(type(record).__name__.lower(), record.pk)


TASK_FIELDS = (
    "title",
    "description",
    "due_at",
    "remind_at",
    "priority",
    "contact",
    "company",
    "deal",
)


def _task_validate(fields: dict[str, Any]) -> None:
    if "title" in fields and not str(fields["title"] or "").strip():
        raise ValidationError({"title": [_("Say what needs doing.")]})
    due, remind = fields.get("due_at"), fields.get("remind_at")
    if due and remind and remind > due:
        raise ValidationError({"remind_at": [_("Remind before the task is due.")]})


@transaction.atomic
def task_create(
    *, actor: User | None, data: dict[str, Any], assignee: User | None = None, source_key: str = ""
) -> Task:
    fields = {key: value for key, value in data.items() if key in TASK_FIELDS}
    if not fields.get("due_at"):
        raise ValidationError({"due_at": [_("When is it due?")]})
    _task_validate({"title": fields.get("title", ""), **fields})
    if actor is not None:
        assignee = owner_resolve(actor=actor, owner=assignee)
    if assignee is None:
        raise ValidationError({"assignee": [_("Who does it?")]})
    try:
        with transaction.atomic():
            task = Task.objects.create(
                **fields,
                assignee=assignee,
                team=assignee.team,
                created_by=actor,
                source_key=source_key,
            )
    except IntegrityError:
        if source_key:
            return Task.objects.get(source_key=source_key)
        raise
    notify(
        recipients=[assignee],
        kind=Notification.Kind.TASK_ASSIGNED,
        params={"actor": actor.full_name if actor else "", "title": task.title},
        url=reverse("task_edit", args=[task.pk]),
        actor=actor,
    )
    _task_changed(task)
    return task


def _task_changed(task: Task) -> None:
    if task.contact is not None:
        contact_timeline_changed(task.contact)
    elif task.company_id:
        timeline_changed(contact_id=None, company_id=task.company_id)
    figures_soon()  # a task done or overdue moves the activity goals


def task_update(*, task: Task, data: dict[str, Any]) -> Task:
    changes = {key: value for key, value in data.items() if key in TASK_FIELDS}
    merged = {"due_at": task.due_at, "remind_at": task.remind_at, **changes}
    _task_validate({**changes, **merged})
    for key, value in changes.items():
        setattr(task, key, value)
    if "remind_at" in changes:
        task.reminded_at = None
    task.save()
    _task_changed(task)
    return task


def task_complete(*, task: Task, done: bool = True) -> Task:
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at"])
    _task_changed(task)
    return task


def follow_up_task_for_interaction(
    *, actor: User, contact: Contact, due_at: datetime, subject: str
) -> Task:
    """An inbound call asks for a follow-up: a task for the contact's responsible manager."""
    return task_create(
        actor=None,
        assignee=contact.owner,
        data={
            "title": _("Follow up: %(subject)s") % {"subject": subject or contact.full_name},
            "due_at": due_at,
            "remind_at": due_at - timedelta(minutes=30),
            "contact": contact,
            "company": contact.company,
        },
    )


def _reminder_text(task: Task) -> str:
    """A task's reminder mail, in the reader's language and formats: when it is due, and links
    to the task and to the record it is about."""
    about = f" — {task.contact.full_name}" if task.contact else ""
    due = formats.date_format(timezone.localtime(task.due_at), "SHORT_DATETIME_FORMAT")
    lines = [
        _("Due %(due)s%(about)s") % {"due": due, "about": about},
        "",
        _("The task: %(link)s") % {"link": tenant_url(reverse("task_edit", args=[task.pk]))},
    ]
    if task.contact_id:
        record = reverse("contact_detail", args=[task.contact_id])
    elif task.deal_id:
        record = reverse("deal_detail", args=[task.deal_id])
    elif task.company_id:
        record = reverse("company_detail", args=[task.company_id])
    else:
        record = ""
    if record:
        lines.append(_("Its record: %(link)s") % {"link": tenant_url(record)})
    return "\n".join(lines)


def task_reminders_send(*, now: datetime | None = None) -> int:
    """Email the assignees of tasks whose reminder time has come (each reminder once)."""
    now = now or timezone.now()
    sent = 0
    due = Task.objects.filter(done_at=None, reminded_at=None, remind_at__lte=now).select_related(
        "assignee", "contact", "company", "deal"
    )
    for task in due:
        updated = Task.objects.filter(pk=task.pk, reminded_at=None).update(reminded_at=now)
        if not updated:
            continue  # another worker took it
        with translation.override(task.assignee.language or settings.LANGUAGE_CODE):
            send_mail(
                subject=_("Reminder: %(title)s") % {"title": task.title},
                message=_reminder_text(task),
                from_email=None,
                recipient_list=[task.assignee.email],
            )
        notify(
            recipients=[task.assignee],
            kind=Notification.Kind.TASK_REMINDER,
            params={
                "title": task.title,
                "due": timezone.localtime(task.due_at).strftime("%d.%m.%Y %H:%M"),
            },
            url=reverse("task_edit", args=[task.pk]),
        )
        sent += 1
    return sent


def birthday_tasks_create(*, today=None, days_ahead: int = 3) -> int:
    """VIP contacts whose birthday is within `days_ahead` days get a task for their owner."""
    today = today or timezone.localdate()
    created = 0
    for offset in range(days_ahead + 1):
        day = today + timedelta(days=offset)
        contacts = Contact.objects.filter(
            Q(is_vip=True), archived_at=None, birthday__month=day.month, birthday__day=day.day
        ).select_related("owner")
        for contact in contacts:
            key = f"birthday:{contact.pk}:{day.year}"
            if Task.objects.filter(source_key=key).exists():
                continue
            due = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
                hours=10
            )
            task_create(
                actor=None,
                assignee=contact.owner,
                source_key=key,
                data={
                    "title": _("Congratulate %(name)s on their birthday")
                    % {"name": contact.full_name},
                    "due_at": due,
                    "remind_at": due - timedelta(days=1),
                    "contact": contact,
                    "priority": Task.Priority.HIGH,
                },
            )
            created += 1
    return created


# --- the inbound call rule ---------------------------------------------------------------------
CALL_RULE_FIELDS = ("when", "due_in_hours", "priority", "missed_call_minutes")
MAX_MISSED_CALL_MINUTES = 24 * 60
MAX_DUE_IN_HOURS = 24 * 14


def call_rule_get() -> CallTaskRule:
    """The company's rule (a new company's: never)."""
    rule = CallTaskRule.objects.prefetch_related("topics", "outcomes").first()
    return rule if rule is not None else CallTaskRule.objects.create()


@transaction.atomic
def call_rule_save(*, actor: User, data: dict[str, Any]) -> CallTaskRule:
    """Set the rule: when (never, always, matching), the topics and outcomes it matches, the
    task's due time from the call and its priority. Owners and administrators only."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators set this rule."))
    rule = call_rule_get()
    for field in CALL_RULE_FIELDS:
        if field in data:
            setattr(rule, field, data[field])
    errors = {}
    if rule.when not in CallTaskRule.When.values:
        errors["when"] = [_("Choose when a task is made.")]
    if not 1 <= int(rule.due_in_hours) <= MAX_DUE_IN_HOURS:
        errors["due_in_hours"] = [_("From 1 to %(hours)s hours.") % {"hours": MAX_DUE_IN_HOURS}]
    if rule.priority not in Task.Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    if not 0 <= int(rule.missed_call_minutes) <= MAX_MISSED_CALL_MINUTES:
        errors["missed_call_minutes"] = [
            _("From 0 (no separate task) to %(minutes)s minutes.")
            % {"minutes": MAX_MISSED_CALL_MINUTES}
        ]
    topics = data.get("topics", list(rule.topics.all()))
    outcomes = data.get("outcomes", list(rule.outcomes.all()))
    if rule.when == CallTaskRule.When.MATCHING and not topics and not outcomes:
        errors["when"] = [_("Choose at least one topic or outcome for this rule.")]
    if errors:
        raise ValidationError(errors)
    rule.save()
    rule.topics.set(topics)
    rule.outcomes.set(outcomes)
    return rule


def _call_rule_matches(rule: CallTaskRule, interaction: Interaction) -> bool:
    if rule.when == CallTaskRule.When.ALWAYS:
        return True
    if rule.when != CallTaskRule.When.MATCHING:
        return False
    return (
        interaction.topic_id is not None
        and any(topic.pk == interaction.topic_id for topic in rule.topics.all())
    ) or (
        interaction.outcome_id is not None
        and any(outcome.pk == interaction.outcome_id for outcome in rule.outcomes.all())
    )


def call_task_make(
    *, interaction: Interaction, actor: User | None, missed: bool = False
) -> Task | None:
    """The task an inbound call makes by the rule, for the contact's owner (who logged the
    call, when the owner has left), titled in the assignee's language; made once per call. A
    missed call, when the rule gives minutes for it, is an urgent "call back" due in them."""
    rule = CallTaskRule.objects.prefetch_related("topics", "outcomes").first()
    if rule is None:
        return None
    call_back = missed and rule.missed_call_minutes > 0
    if not call_back and not _call_rule_matches(rule, interaction):
        return None
    contact = interaction.contact
    assignee = contact.owner if contact.owner.is_active else actor
    if assignee is None or not assignee.is_active or not assignee.is_staff_member:
        return None
    with translation.override(assignee.language or settings.LANGUAGE_CODE):
        if call_back:
            title = _("Call back %(contact)s: a missed call") % {"contact": contact.full_name}
        else:
            title = _("Inbound call from %(contact)s: follow up") % {"contact": contact.full_name}
        about = [interaction.subject_shown, interaction.topic and interaction.topic.name]
        outcome = interaction.outcome and interaction.outcome.name
        if outcome:
            about.append(_("Outcome: %(outcome)s") % {"outcome": outcome})
    due = (
        timedelta(minutes=rule.missed_call_minutes)
        if call_back
        else timedelta(hours=rule.due_in_hours)
    )
    return task_create(
        actor=None,
        assignee=assignee,
        source_key=f"call-{interaction.pk}",
        data={
            "title": title[:255],
            "description": "\n".join(item for item in about if item),
            "due_at": timezone.now() + due,
            "priority": Task.Priority.HIGH if call_back else rule.priority,
            "contact": contact,
            "company": contact.company,
        },
    )
