"""What the screens of contacts and companies share with the screens of other domains: the two
kinds' descriptions (list, form, filters, services) and the contact card's context, which the
card's actions in activities render again with a form's errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm_core.activities.forms import InteractionForm
from crm_core.activities.models import Channel
from crm_core.activities.notes import notes_context
from crm_core.activities.selectors import channels_used, tasks_visible
from crm_core.activities.timeline import timeline_context
from crm_core.commerce.selectors import (
    buying_habits,
    client_value_of,
    cross_sell,
    lifetime_revenue,
    lifetime_revenue_converted,
    orders_deferred,
    orders_visible,
)
from crm_core.deals.selectors import contact_open_deals
from crm_core.history.models import ContactMerge
from crm_core.history.selectors import record_history
from crm_core.parties.filters import CompanyFilter, ContactFilter
from crm_core.parties.forms import CompanyForm, ContactForm
from crm_core.parties.models import LifecycleStage
from crm_core.parties.selectors import (
    COMPANY_ORDERING,
    CONTACT_ORDERING,
    companies_visible,
    company_get_for_user,
    contact_get_for_user,
    contacts_visible,
)
from crm_core.parties.services import (
    company_create,
    company_update,
    contact_create,
    contact_duplicates_find,
    contact_update,
)
from crm_core.proposals.screens import gates_context
from crm_core.segments.selectors import pending_segment, segment_card_context
from crm_core.support.selectors import service_summary, tickets_visible
from tenants.typing import StaffRequest


@dataclass(frozen=True)
class Kind:
    """What differs between the contact and the company screens."""

    name: str
    plural: Any
    singular: Any
    form: type
    filterset: type
    ordering: Any
    visible: Any
    get_for_user: Any
    create: Any
    update: Any

    def url(self, view: str, *args) -> str:
        return reverse(f"{self.name}_{view}", args=args)


CONTACTS = Kind(
    "contact",
    gettext_lazy("Contacts"),
    gettext_lazy("contact"),
    ContactForm,
    ContactFilter,
    CONTACT_ORDERING,
    contacts_visible,
    contact_get_for_user,
    contact_create,
    contact_update,
)


COMPANIES = Kind(
    "company",
    gettext_lazy("Companies"),
    gettext_lazy("company"),
    CompanyForm,
    CompanyFilter,
    COMPANY_ORDERING,
    companies_visible,
    company_get_for_user,
    company_create,
    company_update,
)


def contact_card_context(request: StaffRequest, contact, form=None) -> dict:
    orders = orders_visible(user=request.user).filter(contact=contact)
    return {
        **notes_context(request, contact),
        "habits": buying_habits(orders),
        "client_value": client_value_of(contact=contact),
        "cross_sell": cross_sell(contact=contact),
        "deferred_orders": list(orders_deferred(orders)[:5]),
        "service": service_summary(tickets_visible(user=request.user).filter(contact=contact)),
        **segment_card_context(contact, "contact", pending_segment(request, contact)),
        **gates_context(contact, request.user),
        **timeline_context(request, contact, "contact_timeline"),
        "open_deals": list(contact_open_deals(user=request.user, contact=contact)[:10]),
        "orders": list(orders[:5]),
        "revenue": lifetime_revenue(contact=contact),
        "revenue_converted": lifetime_revenue_converted(contact=contact),
        "possible_duplicates": list(
            contacts_visible(user=request.user).filter(
                pk__in=contact_duplicates_find(
                    emails=contact.emails, phones=contact.phones, exclude_id=contact.pk
                ).values("pk")
            )[:5]
        ),
        "last_merge": ContactMerge.objects.filter(
            pk=request.session.get("last_merge") or 0, survivor=contact, undone_at=None
        ).first(),
        "open_tasks": list(
            tasks_visible(user=request.user).filter(contact=contact, done_at=None)[:10]
        ),
        "contact": contact,
        "channels_used": channels_used(contact=contact),
        "history": record_history(contact),
        "interaction_form": form
        or InteractionForm(user=request.user, initial={"channel": Channel.CALL}),
        "stages": LifecycleStage.objects.all(),
    }
