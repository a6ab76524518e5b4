"""What crm_core pushes to open pages, and which groups a user's pages join to receive it.

Both halves of each rule live here, so a push never reaches a page whose user could not load
the record over HTTP: the deal board's groups mirror `visible_to` (all / team / own).
"""

from __future__ import annotations

import uuid

from crm_core.models import Company, Contact, Deal
from crm_core.selectors.visibility import visibility_scope
from crm_core.services.history import history_actor_id
from tenants.identity.models import User
from tenants.identity.roles import Visibility
from tenants.realtime import broadcast_after_commit, group_name


def deal_board_groups_for(user: User, pipeline_id: int) -> list[str]:
    scope = visibility_scope(user)
    if scope == Visibility.ALL:
        return [group_name("deal-board", pipeline_id, "all")]
    groups = [group_name("deal-board", pipeline_id, "owner", user.pk)]
    if scope == Visibility.TEAM and user.team_id:
        groups.append(group_name("deal-board", pipeline_id, "team", user.team_id))
    return groups


def _deal_board_groups(pipeline_id: int, owner_id: int | None, team_id: int | None) -> list[str]:
    groups = [group_name("deal-board", pipeline_id, "all")]
    if owner_id:
        groups.append(group_name("deal-board", pipeline_id, "owner", owner_id))
    if team_id:
        groups.append(group_name("deal-board", pipeline_id, "team", team_id))
    return groups


def record_group(kind: str, pk: int) -> str:
    """The group of one record's open pages: `contact`, `company` or `deal`."""
    return group_name(kind, pk)


def _actor() -> dict:
    """Who made the change (the request's or task's actor), for "Anna changed this"."""
    actor_id = history_actor_id()
    if actor_id is None:
        return {"actor": None, "by": ""}
    name = User.objects.filter(pk=actor_id).values_list("full_name", flat=True).first()
    return {"actor": actor_id, "by": name or ""}


def timeline_changed(
    *,
    contact_id: int | None,
    company_id: int | None = None,
    actor: dict | None = None,
    seen_by: tuple[int | None, int | None] | None = None,
) -> None:
    """Something new on a contact's timeline (and so on its company's). `seen_by` is the
    (owner, team) whose readers may see the entry (a deal's, or the contact's for what is
    about them): the pages of other readers are not told (`RecordConsumer.prepare`)."""
    groups = []
    if contact_id:
        groups.append(record_group("contact", contact_id))
    if company_id:
        groups.append(record_group("company", company_id))
    if groups:
        event = {"type": "record.changed", "part": "timeline", **(actor or _actor())}
        if seen_by is not None:
            event["seen_by"] = list(seen_by)
        broadcast_after_commit(groups, event)


def contact_timeline_changed(contact: Contact) -> None:
    """Something about this contact is new: its card's timeline and its company's, for the
    readers who may see the contact."""
    timeline_changed(
        contact_id=contact.pk,
        company_id=contact.company_id,
        seen_by=(contact.owner_id, contact.team_id),
    )


def deal_changed(deal: Deal, *, before: tuple[int | None, int | None] | None = None) -> None:
    """A deal was created, edited or moved: its board columns, its card, its contact's
    timeline. `before` is its (owner, team) when a reassignment took it from them."""
    actor = _actor()
    groups = _deal_board_groups(deal.pipeline_id, deal.owner_id, deal.team_id)
    if before is not None:
        groups += _deal_board_groups(deal.pipeline_id, *before)
    broadcast_after_commit(
        groups,
        {
            "type": "deal.changed",
            "id": uuid.uuid4().hex,
            "deal": deal.pk,
            "stage": deal.stage_id,
            **actor,
        },
    )
    broadcast_after_commit(
        [record_group("deal", deal.pk)], {"type": "record.changed", "part": "record", **actor}
    )
    timeline_changed(
        contact_id=deal.contact_id,
        company_id=deal.company_id,
        actor=actor,
        seen_by=(deal.owner_id, deal.team_id),
    )


def record_changed(record: Contact | Company | Deal, *, before=None) -> None:
    """A record's own fields changed (after `record_update`)."""
    if isinstance(record, Deal):
        deal_changed(record, before=before)
        return
    kind = "contact" if isinstance(record, Contact) else "company"
    actor = _actor()
    broadcast_after_commit(
        [record_group(kind, record.pk)], {"type": "record.changed", "part": "record", **actor}
    )
    if isinstance(record, Contact):
        timeline_changed(
            contact_id=None,
            company_id=record.company_id,
            actor=actor,
            seen_by=(record.owner_id, record.team_id),
        )


# --- The customer's portal ---------------------------------------------------------------------
def customer_group(contact_id: int) -> str:
    """The portal pages of the customer whose account is linked to this contact."""
    return group_name("customer", contact_id)


def customer_told(contact_id: int, event: dict) -> None:
    """Something the customer's open portal pages show changed: a reply to a request
    (`ticket.reply`), an order's status (`order.status`). Sent after commit; events carry ids
    and numbers only, and the page fetches what it shows over HTTP, as the customer."""
    broadcast_after_commit([customer_group(contact_id)], event)
