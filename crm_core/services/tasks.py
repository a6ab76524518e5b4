"""Tasks and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core import live
from crm_core.models import Contact, Notification, Task
from crm_core.services.common import owner_resolve
from crm_core.services.notifications import notify
from tenants.identity.models import User

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


def _validate(fields: dict[str, Any]) -> None:
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
    _validate({"title": fields.get("title", ""), **fields})
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
    _timeline_changed(task)
    return task


def _timeline_changed(task: Task) -> None:
    if task.contact_id:
        live.contact_timeline_changed(task.contact)
    elif task.company_id:
        live.timeline_changed(contact_id=None, company_id=task.company_id)


def task_update(*, task: Task, data: dict[str, Any]) -> Task:
    changes = {key: value for key, value in data.items() if key in TASK_FIELDS}
    merged = {"due_at": task.due_at, "remind_at": task.remind_at, **changes}
    _validate({**changes, **merged})
    for key, value in changes.items():
        setattr(task, key, value)
    if "remind_at" in changes:
        task.reminded_at = None
    task.save()
    _timeline_changed(task)
    return task


def task_complete(*, task: Task, done: bool = True) -> Task:
    task.done_at = timezone.now() if done else None
    task.save(update_fields=["done_at"])
    _timeline_changed(task)
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


def task_reminders_send(*, now: datetime | None = None) -> int:
    """Email the assignees of tasks whose reminder time has come (each reminder once)."""
    now = now or timezone.now()
    sent = 0
    due = Task.objects.filter(done_at=None, reminded_at=None, remind_at__lte=now).select_related(
        "assignee", "contact"
    )
    for task in due:
        updated = Task.objects.filter(pk=task.pk, reminded_at=None).update(reminded_at=now)
        if not updated:
            continue  # another worker took it
        about = f" — {task.contact.full_name}" if task.contact else ""
        send_mail(
            subject=_("Reminder: %(title)s") % {"title": task.title},
            message=_("Due %(due)s%(about)s.")
            % {"due": timezone.localtime(task.due_at).strftime("%d.%m.%Y %H:%M"), "about": about},
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
