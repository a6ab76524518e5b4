"""Support requests from the customer's side: open one on a topic of the company's list, follow
its thread, reply with files, close it. Staff answer in the CRM (crm_core.services.tickets)."""

from __future__ import annotations

import mimetypes

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm_core.activities.services import attachments_add, interaction_log
from crm_core.common.indexing import search_soon
from crm_core.common.system_text import SystemText
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.support.models import SupportTopic, Ticket, TicketMessage
from crm_core.support.services import ticket_open
from portal.models import CustomerAccount

UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOADS_PER_MESSAGE = 3
# What a customer may attach: documents and pictures, never anything a browser runs.
UPLOAD_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The first bytes of the binary types, so a renamed program is refused.
MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


def uploads_check(files: list) -> None:
    problems = []
    if len(files) > UPLOADS_PER_MESSAGE:
        problems.append(_("At most %(count)d files at once.") % {"count": UPLOADS_PER_MESSAGE})
    for upload in files:
        name = upload.name.rsplit("/", 1)[-1]
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if extension not in UPLOAD_TYPES:
            problems.append(
                _("“%(name)s”: attach PDF, PNG, JPEG, TXT, CSV, DOCX or XLSX files.")
                % {"name": name}
            )
            continue
        if upload.size > UPLOAD_MAX_BYTES:
            problems.append(
                _("“%(name)s” is larger than %(limit)d MB.")
                % {"name": name, "limit": UPLOAD_MAX_BYTES // (1024 * 1024)}
            )
            continue
        head = upload.read(8)
        upload.seek(0)
        if extension in MAGIC and not head.startswith(MAGIC[extension]):
            problems.append(
                _("“%(name)s” is not really a %(kind)s file.")
                % {"name": name, "kind": extension[1:].upper()}
            )
        upload.content_type = UPLOAD_TYPES[extension] or mimetypes.guess_type(name)[0]
    if problems:
        raise ValidationError({"attachments": problems})


def topics() -> QuerySet[SupportTopic]:
    return SupportTopic.objects.filter(is_active=True)


def tickets_of(*, account: CustomerAccount) -> QuerySet[Ticket]:
    return Ticket.objects.filter(contact_id=account.contact_id).order_by("-created_at", "-id")


def messages_of(*, ticket: Ticket) -> QuerySet[TicketMessage]:
    """The thread as the customer sees it: staff's internal notes are never in it."""
    return (
        ticket.messages.filter(internal=False)
        .select_related("author")
        .prefetch_related("interaction__attachments")
    )


@transaction.atomic
def request_open(
    *, account: CustomerAccount, topic: SupportTopic | None, subject: str, body: str, files: list
) -> Ticket:
    errors: dict[str, list[str]] = {}
    if topic is None or not topic.is_active:
        errors["topic"] = [_("Choose what the request is about.")]
    try:
        uploads_check(files)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    ticket = ticket_open(
        actor=account.user,
        contact=account.contact,
        subject=subject or topic.name,
        body=body,
        priority=topic.priority if topic.priority in Ticket.Priority.values else "normal",
        kind=Ticket.Kind.APPEAL,
        source="portal",
        topic=topic,
    )
    if files:
        first = ticket.messages.get()
        attachments_add(actor=account.user, interaction=first.interaction, files=files)
    return ticket


@transaction.atomic
def request_reply(*, account: CustomerAccount, ticket: Ticket, body: str, files: list) -> None:
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not body.strip():
        raise ValidationError({"body": [_("Write your message.")]})
    if ticket.status == Ticket.Status.CLOSED:
        raise ValidationError({"body": [_("This request is closed. Open a new one.")]})
    uploads_check(files)
    logged = interaction_log(
        actor=account.user,
        contact=account.contact,
        data={
            "channel": "ticket",
            "direction": "inbound",
            "subject": SystemText(gettext_noop("Message on %(number)s"), {"number": ticket.number}),
            "notes": body.strip()[:2000],
        },
    )
    TicketMessage.objects.create(
        ticket=ticket,
        author=account.user,
        from_client=True,
        body=body.strip(),
        interaction=logged.interaction,
    )
    if files:
        attachments_add(actor=account.user, interaction=logged.interaction, files=files)
    # a customer's message puts the request back in the team's hands
    ticket.status = Ticket.Status.OPEN
    ticket.resolved_at = None
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    search_soon()
    notify(
        recipients=[ticket.assignee or account.contact.owner],
        kind=Notification.Kind.PORTAL_MESSAGE,
        params={"contact": account.contact.full_name, "number": ticket.number},
        url=reverse("ticket_detail", args=[ticket.pk]),
    )


def request_close(*, account: CustomerAccount, ticket: Ticket) -> None:
    if ticket.status == Ticket.Status.CLOSED:
        return
    Ticket.objects.filter(pk=ticket.pk).update(
        status=Ticket.Status.CLOSED,
        resolved_at=ticket.resolved_at or timezone.now(),
        updated_at=timezone.now(),
    )
    interaction_log(
        actor=account.user,
        contact=account.contact,
        data={
            "channel": "ticket",
            "direction": "inbound",
            "subject": SystemText(
                gettext_noop("Closed request %(number)s"), {"number": ticket.number}
            ),
        },
    )
