"""Support tickets: opening, the message thread, statuses and the SLA."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.models import Contact, Notification, Ticket, TicketMessage
from crm_core.services.interactions import interaction_log
from crm_core.services.notifications import notify
from tenants.identity.models import User


@transaction.atomic
def ticket_open(
    *,
    actor: User | None,
    contact: Contact,
    subject: str,
    body: str,
    priority: str = Ticket.Priority.NORMAL,
    kind: str = Ticket.Kind.QUESTION,
    source: str = "staff",
) -> Ticket:
    errors = {}
    if not subject.strip():
        errors["subject"] = [_("Give the request a subject.")]
    if not body.strip():
        errors["body"] = [_("Describe the request.")]
    if priority not in Ticket.Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    if errors:
        raise ValidationError(errors)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('crm_core_ticket_number_seq')")
        number = f"T-{cursor.fetchone()[0]:05d}"
    now = timezone.now()
    ticket = Ticket.objects.create(
        number=number,
        contact=contact,
        subject=subject.strip(),
        kind=kind,
        priority=priority,
        source=source,
        created_at=now,
        sla_due_at=Ticket.sla_for(priority, now),
    )
    TicketMessage.objects.create(
        ticket=ticket, author=actor, body=body.strip(), from_client=source == "portal"
    )
    interaction_log(
        actor=actor,
        contact=contact,
        data={
            "channel": "ticket",
            "direction": "inbound",
            "subject": _("Request %(number)s: %(subject)s")
            % {"number": number, "subject": ticket.subject},
            "notes": body.strip()[:2000],
        },
    )
    if source == "portal":
        notify(
            recipients=[contact.owner],
            kind=Notification.Kind.PORTAL_TICKET,
            params={"contact": contact.full_name, "number": number, "subject": ticket.subject},
            url=reverse("ticket_detail", args=[ticket.pk]),
        )
    return ticket


@transaction.atomic
def ticket_reply(
    *, actor: User, ticket: Ticket, body: str, internal: bool = False
) -> TicketMessage:
    if not body.strip():
        raise ValidationError({"body": [_("Write the reply.")]})
    if not ticket.is_open:
        raise ValidationError({"body": [_("This request is closed; reopen it to reply.")]})
    message = TicketMessage.objects.create(
        ticket=ticket, author=actor, body=body.strip(), internal=internal
    )
    if not internal:
        changes = {"status": Ticket.Status.WAITING}
        if ticket.first_response_at is None:
            changes["first_response_at"] = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(**changes, updated_at=timezone.now())
        interaction_log(
            actor=actor,
            contact=ticket.contact,
            data={
                "channel": "ticket",
                "direction": "outbound",
                "subject": _("Reply to %(number)s") % {"number": ticket.number},
                "notes": body.strip()[:2000],
            },
        )
    return message


def ticket_update(
    *,
    ticket: Ticket,
    status: str | None = None,
    priority: str | None = None,
    assignee: User | None = None,
) -> Ticket:
    if status is not None:
        if status not in Ticket.Status.values:
            raise ValidationError({"status": [_("Choose a status.")]})
        ticket.status = status
        ticket.resolved_at = timezone.now() if status == Ticket.Status.RESOLVED else None
    if priority is not None and priority != ticket.priority:
        if priority not in Ticket.Priority.values:
            raise ValidationError({"priority": [_("Choose a priority.")]})
        ticket.priority = priority
        ticket.sla_due_at = Ticket.sla_for(priority, ticket.created_at)
    if assignee is not None:
        ticket.assignee = assignee
    ticket.save()
    return ticket
