"""Support tickets: opening, the message thread, statuses and the SLA."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm_core.activities.services import interaction_log
from crm_core.common.figures import figures_soon
from crm_core.common.indexing import search_soon
from crm_core.common.live import customer_told
from crm_core.common.system_text import SystemText
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Contact
from crm_core.support.models import SupportTopic, Ticket, TicketMessage
from tenants.identity.models import User
from tenants.links import portal_url
from tenants.queue import enqueue_after_commit


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
    topic: SupportTopic | None = None,
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
        topic=topic,
        priority=priority,
        source=source,
        created_at=now,
        sla_due_at=Ticket.sla_for(priority, now),
    )
    logged = interaction_log(
        actor=actor,
        contact=contact,
        data={
            "channel": "ticket",
            "direction": "inbound",
            "subject": SystemText(
                gettext_noop("Request %(number)s: %(subject)s"),
                {"number": number, "subject": ticket.subject},
            ),
            "notes": body.strip()[:2000],
        },
    )
    TicketMessage.objects.create(
        ticket=ticket,
        author=actor,
        body=body.strip(),
        from_client=source == "portal",
        interaction=logged.interaction,
    )
    if source == "portal":
        notify(
            recipients=[contact.owner],
            kind=Notification.Kind.PORTAL_TICKET,
            params={"contact": contact.full_name, "number": number, "subject": ticket.subject},
            url=reverse("ticket_detail", args=[ticket.pk]),
        )
    search_soon()
    figures_soon()
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
        changes: dict[str, Any] = {"status": Ticket.Status.WAITING}
        if ticket.first_response_at is None:
            changes["first_response_at"] = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(**changes, updated_at=timezone.now())
        message.interaction = interaction_log(
            actor=actor,
            contact=ticket.contact,
            data={
                "channel": "ticket",
                "direction": "outbound",
                "subject": SystemText(
                    gettext_noop("Reply to %(number)s"), {"number": ticket.number}
                ),
                "notes": body.strip()[:2000],
            },
        ).interaction
        message.save(update_fields=["interaction"])
        _customer_told(ticket=ticket, body=body.strip())
    search_soon()
    figures_soon()
    return message


def _customer_told(*, ticket: Ticket, body: str) -> None:
    """Mail a portal customer that their request has an answer to read in the portal."""

    # the portal (a floor above) keeps the account: it is reached through the User relation, and
    # its mail is sent by the task's registered name
    customer = User.objects.filter(
        customer_account__contact_id=ticket.contact_id, is_active=True
    ).first()
    if customer is None:
        return
    customer_told(
        ticket.contact_id,
        {
            "type": "ticket.reply",
            "ticket": ticket.pk,
            "number": ticket.number,
            "url": reverse("portal_ticket_detail", args=[ticket.pk]),
        },
    )
    context = {
        "name": customer.get_short_name(),
        "number": ticket.number,
        "subject": ticket.subject,
        "body": body[:1000],
        "link": portal_url(reverse("portal_ticket_detail", args=[ticket.pk])),
    }
    enqueue_after_commit(
        "portal.tasks.portal_mail_send", "reply", customer.email, context, customer.language
    )


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
    search_soon()
    figures_soon()
    return ticket


def support_topics_default_create() -> None:
    """The topics a new company's customers choose from, until its admin edits the list."""

    if SupportTopic.objects.exists():
        return
    topics = [
        (_("Order and delivery"), Ticket.Priority.HIGH),
        (_("Payment and invoices"), Ticket.Priority.NORMAL),
        (_("Product question"), Ticket.Priority.NORMAL),
        (_("Return or complaint"), Ticket.Priority.HIGH),
        (_("Something else"), Ticket.Priority.LOW),
    ]
    SupportTopic.objects.bulk_create(
        SupportTopic(name=name, priority=priority, position=index)
        for index, (name, priority) in enumerate(topics)
    )
