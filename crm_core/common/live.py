"""What crm_core pushes to open pages, and which groups a user's pages join to receive it.

The shared half: a record page's group, who made the change, a contact's timeline, the
customer's portal pages. Each domain's live.py says what it pushes (parties/live.py,
deals/live.py) and mirrors its HTTP visibility rules, so a push never reaches a page whose user
could not load the record.
"""

from __future__ import annotations

from tenants.identity.actor import history_actor_id
from tenants.identity.models import User
from tenants.realtime import broadcast_after_commit, group_name


def record_group(kind: str, pk: int) -> str:
    """The group of one record's open pages: `contact`, `company` or `deal`."""
    return group_name(kind, pk)


def actor_named() -> dict:
    """Who made the change (the request's or task's actor), for "Anna changed this"."""
    actor_id = history_actor_id()
    if actor_id is None:
        return {"actor": None, "by": ""}
    name = User.objects.filter(pk=actor_id).values_list("full_name", flat=True).first()
    return {"actor": actor_id, "by": name or ""}


def record_page_changed(kind: str, pk: int) -> None:
    """A part of a record's page that is neither its fields nor its timeline changed (its
    notes): the pages open on it reload."""
    broadcast_after_commit(
        [record_group(kind, pk)], {"type": "record.changed", "part": "record", **actor_named()}
    )


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
        event = {"type": "record.changed", "part": "timeline", **(actor or actor_named())}
        if seen_by is not None:
            event["seen_by"] = list(seen_by)
        broadcast_after_commit(groups, event)


# --- The customer's portal ---------------------------------------------------------------------
def customer_group(contact_id: int) -> str:
    """The portal pages of the customer whose account is linked to this contact."""
    return group_name("customer", contact_id)


def customer_told(contact_id: int, event: dict) -> None:
    """Something the customer's open portal pages show changed: a reply to a request
    (`ticket.reply`), an order's status (`order.status`). Sent after commit; events carry ids
    and numbers only, and the page fetches what it shows over HTTP, as the customer."""
    broadcast_after_commit([customer_group(contact_id)], event)
