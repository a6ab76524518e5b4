"""Hits and facets as people read them: where a hit leads, and names instead of ids."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm_core.activities.models import CHANNEL_ICONS, Channel
from crm_core.parties.models import LifecycleStage
from crm_core.segments.models import Segment
from search.backends.base import Hit, SearchResults
from search.models import Kind
from tenants.identity.models import User

KIND_ICONS = {
    Kind.CONTACT: "person",
    Kind.COMPANY: "buildings",
    Kind.INTERACTION: "chat-left-text",
    Kind.ORDER: "bag",
    Kind.TICKET: "life-preserver",
    Kind.DEAL: "kanban",
}
FACET_TITLES = {
    "kind": _("Type"),
    "channel": _("Channel"),
    "owner_id": _("Owner"),
    "segment_id": _("Segment"),
    "stage_id": _("Lifecycle stage"),
}
OWN_PAGE = {Kind.ORDER: "order_detail", Kind.TICKET: "ticket_detail", Kind.DEAL: "deal_detail"}


def hit_url(hit: Hit) -> str:
    """Where a hit leads: a contact's or company's card; anything else to its contact (the call
    itself highlighted on the timeline), or its own page when it has no contact."""
    if hit.kind == Kind.COMPANY:
        return reverse("company_detail", args=[hit.object_id])
    if hit.contact_id:
        url = reverse("contact_detail", args=[hit.contact_id])
        return url + (f"#interaction-{hit.object_id}" if hit.kind == Kind.INTERACTION else "")
    if hit.kind in OWN_PAGE:
        return reverse(OWN_PAGE[hit.kind], args=[hit.object_id])
    if hit.company_id:
        return reverse("company_detail", args=[hit.company_id])
    return ""


def hit_record_url(hit: Hit) -> str:
    """The order's, ticket's or deal's own page, shown next to the contact it leads to."""
    return reverse(OWN_PAGE[hit.kind], args=[hit.object_id]) if hit.kind in OWN_PAGE else ""


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


def facet_labels(results: SearchResults) -> dict[str, list[FacetValue]]:
    ids = {name: [value for value, _count in values] for name, values in results.facets.items()}
    names = {
        "kind": dict(Kind.choices),
        "channel": {**dict(Channel.choices), "order": _("Order"), "ticket": _("Ticket")},
        "owner_id": dict(
            User.objects.filter(pk__in=ids.get("owner_id", [])).values_list("pk", "full_name")
        ),
        "segment_id": dict(
            Segment.objects.filter(pk__in=ids.get("segment_id", [])).values_list("pk", "name")
        ),
        "stage_id": dict(
            LifecycleStage.objects.filter(pk__in=ids.get("stage_id", [])).values_list("pk", "name")
        ),
    }
    return {
        name: [
            FacetValue(str(value), str(names[name].get(value, value)), count)
            for value, count in values
        ]
        for name, values in results.facets.items()
        if values
    }


def hit_icon(hit: Hit) -> str:
    if hit.kind == Kind.INTERACTION:
        return CHANNEL_ICONS.get(hit.channel, "chat-left-text")
    return KIND_ICONS.get(hit.kind, "search")
