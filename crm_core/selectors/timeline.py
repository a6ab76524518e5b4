"""The 360° timeline of a contact: every channel and every stage change, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, QuerySet

from crm_core.models import Contact, Interaction, StageChange
from crm_core.selectors.visibility import visible_to
from tenants.identity.models import User

PAGE = 30


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "interaction" | "stage"
    at: datetime
    item: Interaction | StageChange


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    next_before: datetime | None


def contact_timeline(
    *,
    contact: Contact,
    channel: str | None = None,
    before: datetime | None = None,
    limit: int = PAGE,
) -> Timeline:
    """One page of the timeline (keyset on time: cheap however long the history is)."""
    interactions = Interaction.objects.filter(contact=contact).select_related(
        "contact", "topic", "outcome", "created_by"
    )
    changes = StageChange.objects.filter(contact=contact).select_related(
        "from_stage", "to_stage", "changed_by"
    )
    if channel:
        interactions = interactions.filter(channel=channel)
        changes = changes.none() if channel != "stage" else changes
        if channel == "stage":
            interactions = interactions.none()
    if before:
        interactions = interactions.filter(occurred_at__lt=before)
        changes = changes.filter(changed_at__lt=before)
    entries = [
        TimelineEntry("interaction", item.occurred_at, item)
        for item in interactions.order_by("-occurred_at", "-id")[: limit + 1]
    ]
    entries += [
        TimelineEntry("stage", item.changed_at, item)
        for item in changes.order_by("-changed_at", "-id")[: limit + 1]
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    page = entries[:limit]
    return Timeline(page, page[-1].at if len(entries) > limit else None)


@dataclass(frozen=True)
class KeyFigures:
    interactions: int
    last_contact_at: datetime | None
    by_channel: dict[str, int]


def contact_key_figures(*, contact: Contact) -> KeyFigures:
    totals = Interaction.objects.filter(contact=contact).aggregate(
        count=Count("id"), last=Max("occurred_at")
    )
    by_channel = dict(
        Interaction.objects.filter(contact=contact)
        .values_list("channel")
        .annotate(count=Count("id"))
        .values_list("channel", "count")
    )
    return KeyFigures(totals["count"], totals["last"], by_channel)


def interactions_visible(*, user: User) -> QuerySet[Interaction]:
    """Interactions of the contacts the user may see."""
    visible_contacts = visible_to(Contact.objects.all(), user).values("pk")
    return Interaction.objects.filter(contact__in=visible_contacts).select_related(
        "contact", "topic", "outcome", "created_by"
    )
