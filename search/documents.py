"""What each kind of record looks like to search: one `SearchDocument` per record, built in
bulk from the ORM and written by both backends (the PostgreSQL table and Elasticsearch)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db.models import Prefetch

from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order
from crm_core.deals.models import Deal
from crm_core.parties.models import Company, Contact
from crm_core.support.models import Ticket, TicketMessage
from search.models import Kind

BODY_LIMIT = 20_000  # characters of notes and messages kept per record


def normalise(text: str) -> str:
    """Lower case, ё as е, single spaces: how names and queries are compared."""
    return " ".join(text.lower().replace("ё", "е").split())


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@dataclass
class SearchDocument:
    kind: str
    object_id: int
    title: str
    occurred_at: datetime
    contact_id: int | None = None
    company_id: int | None = None
    owner_id: int | None = None
    team_id: int | None = None
    channel: str = ""
    segment_id: int | None = None
    stage_id: int | None = None
    subtitle: str = ""
    body: str = ""
    name: str = ""
    name_alt: str = ""
    keys: str = ""
    archived: bool = False

    def __post_init__(self) -> None:
        self.body = self.body[:BODY_LIMIT]
        self.name = normalise(self.title)
        if not self.name_alt:
            self.name_alt = self.name

    def as_dict(self) -> dict:
        return asdict(self)


def _keys(*parts: Iterable[str] | str) -> str:
    words: list[str] = []
    for part in parts:
        for item in [part] if isinstance(part, str) else part:
            item = item.strip().lower()
            if item and item not in words:
                words.append(item)
    return " ".join(words)


def _phones(phones: list[str]) -> list[str]:
    return [digits(phone) for phone in phones]


def _party_view(record) -> dict:
    """What a record leading to a contact or company inherits from it: visibility and facets."""
    return {
        "owner_id": record.owner_id,
        "team_id": record.team_id,
        "segment_id": record.segment_id,
        "stage_id": record.lifecycle_stage_id,
    }


def _contacts(ids) -> Iterator[SearchDocument]:
    for contact in Contact.objects.filter(pk__in=ids).select_related("company"):
        yield SearchDocument(
            kind=Kind.CONTACT,
            object_id=contact.pk,
            title=contact.full_name,
            subtitle=" · ".join(
                filter(None, [contact.position, getattr(contact.company, "name", "")])
            ),
            body=contact.notes,
            name_alt=normalise(f"{contact.last_name} {contact.first_name}"),
            keys=_keys(contact.emails, _phones(contact.phones)),
            contact_id=contact.pk,
            company_id=contact.company_id,
            occurred_at=contact.updated_at,
            archived=contact.archived_at is not None,
            **_party_view(contact),
        )


def _companies(ids) -> Iterator[SearchDocument]:
    for company in Company.objects.filter(pk__in=ids):
        yield SearchDocument(
            kind=Kind.COMPANY,
            object_id=company.pk,
            title=company.name,
            subtitle=" · ".join(filter(None, [company.legal_name, company.industry])),
            body="\n".join(
                filter(None, [company.notes, company.legal_address, company.postal_address])
            ),
            keys=_keys(
                company.emails,
                _phones(company.phones),
                [company.tax_id, company.website.removeprefix("https://").removeprefix("http://")],
            ),
            company_id=company.pk,
            occurred_at=company.updated_at,
            archived=company.archived_at is not None,
            **_party_view(company),
        )


def _interactions(ids) -> Iterator[SearchDocument]:
    rows = Interaction.objects.filter(pk__in=ids).select_related("contact", "topic")
    for interaction in rows:
        contact = interaction.contact
        yield SearchDocument(
            kind=Kind.INTERACTION,
            object_id=interaction.pk,
            title=interaction.subject or interaction.get_channel_display(),
            subtitle=contact.full_name,
            body="\n".join(
                filter(None, [getattr(interaction.topic, "name", ""), interaction.notes])
            ),
            channel=interaction.channel,
            contact_id=contact.pk,
            company_id=interaction.company_id or contact.company_id,
            occurred_at=interaction.occurred_at,
            archived=contact.archived_at is not None,
            **_party_view(contact),
        )


def _orders(ids) -> Iterator[SearchDocument]:
    rows = (
        Order.objects.filter(pk__in=ids)
        .select_related("contact")
        .prefetch_related("lines__product")
    )
    for order in rows:
        contact = order.contact
        yield SearchDocument(
            kind=Kind.ORDER,
            object_id=order.pk,
            title=order.number,
            subtitle=contact.full_name if contact else "",
            body="\n".join([order.notes, *(line.product.name for line in order.lines.all())]),
            keys=_keys([order.number]),
            channel="order",
            contact_id=order.contact_id,
            company_id=order.company_id,
            occurred_at=order.placed_at or order.created_at,
            archived=order.archived_at is not None,
            owner_id=order.owner_id,
            team_id=order.team_id,
            segment_id=contact.segment_id if contact else None,
            stage_id=contact.lifecycle_stage_id if contact else None,
        )


def _tickets(ids) -> Iterator[SearchDocument]:
    messages = Prefetch("messages", TicketMessage.objects.filter(internal=False))
    rows = Ticket.objects.filter(pk__in=ids).select_related("contact").prefetch_related(messages)
    for ticket in rows:
        contact = ticket.contact
        yield SearchDocument(
            kind=Kind.TICKET,
            object_id=ticket.pk,
            title=ticket.subject,
            subtitle=f"{ticket.number} · {contact.full_name}",
            body="\n".join(message.body for message in ticket.messages.all()),
            keys=_keys([ticket.number]),
            channel="ticket",
            contact_id=contact.pk,
            company_id=contact.company_id,
            occurred_at=ticket.created_at,
            archived=contact.archived_at is not None,
            **_party_view(contact),
        )


def _deals(ids) -> Iterator[SearchDocument]:
    rows = Deal.objects.filter(pk__in=ids).select_related("contact", "company", "stage")
    for deal in rows:
        party = deal.contact or deal.company
        yield SearchDocument(
            kind=Kind.DEAL,
            object_id=deal.pk,
            title=deal.title,
            subtitle=" · ".join(filter(None, [deal.stage.name, str(party or "")])),
            body=deal.description,
            contact_id=deal.contact_id,
            company_id=deal.company_id,
            occurred_at=deal.updated_at,
            archived=deal.archived_at is not None,
            owner_id=deal.owner_id,
            team_id=deal.team_id,
            segment_id=getattr(party, "segment_id", None),
            stage_id=getattr(party, "lifecycle_stage_id", None),
        )


BUILDERS = {
    Kind.CONTACT: _contacts,
    Kind.COMPANY: _companies,
    Kind.INTERACTION: _interactions,
    Kind.ORDER: _orders,
    Kind.TICKET: _tickets,
    Kind.DEAL: _deals,
}

MODELS = {
    Kind.CONTACT: Contact,
    Kind.COMPANY: Company,
    Kind.INTERACTION: Interaction,
    Kind.ORDER: Order,
    Kind.TICKET: Ticket,
    Kind.DEAL: Deal,
}


def documents_for(kind: str, ids: Iterable[int]) -> list[SearchDocument]:
    """Documents of the records of `kind` among `ids` that exist; missing ones are omitted."""
    return list(BUILDERS[kind](list(ids)))
