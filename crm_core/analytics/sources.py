"""The record types a metric counts, and the parts each offers: its dates, the person it
credits, its amounts and durations, named conditions and groupings. A metric (built in or an
admin's own) is put together only from these parts, so no user text ever reaches SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import (
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm_core.activities.models import Channel, Direction
from crm_core.activities.selectors import interactions_visible, tasks_visible
from crm_core.commerce.models import REVENUE_STATUSES, Order, OrderLine, Product
from crm_core.commerce.selectors import orders_visible
from crm_core.common.visibility import visibility_scope, visible_to
from crm_core.deals.models import Deal, Pipeline, PipelineStage
from crm_core.parties.models import Contact, LifecycleStage
from crm_core.segments.models import Segment
from crm_core.support.models import SupportTopic, Ticket
from crm_core.support.selectors import tickets_visible
from tenants.identity.models import Team, User
from tenants.identity.roles import Visibility


@dataclass(frozen=True)
class Amount:
    label: Promise
    value: str  # the amount's field, in `currency`
    currency: str
    cost: str | None = None  # an expression's name in base currency subtracted (margin)


@dataclass(frozen=True)
class Duration:
    label: Promise
    start: str
    end: str
    unit: str  # "days" or "hours"


@dataclass(frozen=True)
class Grouping:
    """A way to split a figure: by a field's values, named for the reader by `names`."""

    label: str | Promise
    path: str
    names: Callable[[Iterable], dict] | None = None


def _choices(choices) -> Callable[[Iterable], dict]:
    labels = dict(choices)
    return lambda keys: {key: str(labels.get(key, key)) for key in keys}


def _named(model, attribute: str = "name") -> Callable[[Iterable], dict]:
    def names(keys: Iterable) -> dict:
        wanted = [key for key in keys if key is not None]
        found = model.objects.filter(pk__in=wanted).values_list("pk", attribute)
        return {pk: str(name) for pk, name in found}

    return names


PEOPLE_NAMES = _named(User, "full_name")
TEAM_NAMES = _named(Team)


@dataclass(frozen=True)
class Source:
    key: str
    label: Promise
    records: Callable[[User], QuerySet]  # what the reader may see of this record type
    dates: dict[str, tuple[Promise, str]]
    people: dict[str, tuple[Promise, str]]
    conditions: dict[str, tuple[Promise, Callable[[], Q]]]
    amounts: dict[str, Amount] = field(default_factory=dict)
    durations: dict[str, Duration] = field(default_factory=dict)
    groupings: dict[str, Grouping] = field(default_factory=dict)
    date_only: frozenset[str] = frozenset()  # its dates without a time of day
    # what a drill-down row shows: its title, and the card it opens (URL name, id path)
    title: Callable[[], object] = lambda: F("pk")
    card: tuple[str, str] = ("", "pk")
    annotate: Callable[[QuerySet], QuerySet] = lambda queryset: queryset

    def all_groupings(self) -> dict[str, Grouping]:
        """Its own groupings, and by person and team for each person it credits."""
        people = {
            key: Grouping(label, path, PEOPLE_NAMES) for key, (label, path) in self.people.items()
        }
        teams = {
            f"{key}_team": Grouping(
                _("Team of %(person)s") % {"person": str(label).lower()},
                f"{path}__team",
                TEAM_NAMES,
            )
            for key, (label, path) in self.people.items()
        }
        return {**people, **teams, **self.groupings}


def _deals(user: User) -> QuerySet:
    return visible_to(Deal.objects.filter(archived_at=None), user)


def _order_lines(user: User) -> QuerySet:
    lines = OrderLine.objects.all()
    if visibility_scope(user) == Visibility.ALL:
        return lines
    return lines.filter(order__in=orders_visible(user=user).values("pk"))


def _contacts(user: User) -> QuerySet:
    return visible_to(Contact.objects.filter(archived_at=None), user)


def _with_cost(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        line_cost=ExpressionWrapper(
            F("quantity") * F("product__cost_price"),
            output_field=DecimalField(max_digits=20, decimal_places=2),
        )
    )


def span(start: str, end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


SEGMENT_NAMES = _named(Segment)


def _contact_names(keys: Iterable) -> dict:
    wanted = [key for key in keys if key is not None]
    return {row.pk: row.full_name for row in Contact.objects.filter(pk__in=wanted)}


SOURCES: dict[str, Source] = {
    source.key: source
    for source in (
        Source(
            key="deals",
            label=_("Deals"),
            records=_deals,
            dates={
                "created": (_("created"), "created_at"),
                "closed": (_("closed"), "closed_at"),
                "expected_close": (_("expected close"), "expected_close"),
            },
            people={"owner": (_("Owner"), "owner")},
            conditions={
                "won": (_("won"), lambda: Q(stage__is_won=True, closed_at__isnull=False)),
                "lost": (_("lost"), lambda: Q(stage__is_lost=True, closed_at__isnull=False)),
                "closed": (_("closed"), lambda: Q(closed_at__isnull=False)),
                "open": (_("open"), lambda: Q(closed_at=None)),
            },
            amounts={"amount": Amount(_("amount"), "amount", "currency")},
            durations={
                "cycle": Duration(_("from creation to close"), "created_at", "closed_at", "days")
            },
            groupings={
                "pipeline": Grouping(_("Pipeline"), "pipeline", _named(Pipeline)),
                "stage": Grouping(_("Stage"), "stage", _named(PipelineStage)),
                "segment": Grouping(_("Segment"), "contact__segment", SEGMENT_NAMES),
                "currency": Grouping(_("Currency"), "currency"),
            },
            date_only=frozenset({"expected_close"}),
            title=lambda: F("title"),
            card=("deal_detail", "pk"),
        ),
        Source(
            key="orders",
            label=_("Orders"),
            records=lambda user: orders_visible(user=user),
            dates={
                "placed": (_("placed"), "placed_at"),
                "paid": (_("paid"), "paid_at"),
                "created": (_("created"), "created_at"),
            },
            people={"owner": (_("Owner"), "owner")},
            conditions={
                "revenue": (
                    _("paid (paid, shipped or delivered)"),
                    lambda: Q(status__in=REVENUE_STATUSES),
                ),
                "cancelled": (_("cancelled"), lambda: Q(status=Order.Status.CANCELLED)),
                "portal": (_("placed in the portal"), lambda: Q(source=Order.Source.PORTAL)),
            },
            amounts={"total": Amount(_("total"), "total", "currency")},
            durations={
                "to_payment": Duration(_("from placing to payment"), "placed_at", "paid_at", "days")
            },
            groupings={
                "client": Grouping(_("Client"), "contact", _contact_names),
                "status": Grouping(_("Status"), "status", _choices(Order.Status.choices)),
                "source": Grouping(_("Source"), "source", _choices(Order.Source.choices)),
                "segment": Grouping(_("Segment"), "contact__segment", SEGMENT_NAMES),
            },
            title=lambda: F("number"),
            card=("order_detail", "pk"),
        ),
        Source(
            key="order_lines",
            label=_("Order lines"),
            records=_order_lines,
            dates={
                "paid": (_("paid"), "order__paid_at"),
                "placed": (_("placed"), "order__placed_at"),
            },
            people={"owner": (_("Owner"), "order__owner")},
            conditions={
                "revenue": (
                    _("paid (paid, shipped or delivered)"),
                    lambda: Q(order__status__in=REVENUE_STATUSES),
                ),
                "costed": (_("product cost known"), lambda: Q(product__cost_price__isnull=False)),
            },
            amounts={
                "total": Amount(_("total"), "total", "order__currency"),
                "margin": Amount(_("margin"), "total", "order__currency", cost="line_cost"),
            },
            groupings={
                "client": Grouping(_("Client"), "order__contact", _contact_names),
                "product": Grouping(_("Product"), "product", _named(Product)),
                "category": Grouping(_("Category"), "product__category"),
                "segment": Grouping(_("Segment"), "order__contact__segment", SEGMENT_NAMES),
            },
            title=lambda: F("product__name"),
            card=("order_detail", "order_id"),
            annotate=_with_cost,
        ),
        Source(
            key="interactions",
            label=_("Interactions"),
            records=lambda user: interactions_visible(user=user),
            dates={"occurred": (_("when"), "occurred_at")},
            people={"created_by": (_("Logged by"), "created_by")},
            conditions={
                "call": (_("calls"), lambda: Q(channel=Channel.CALL)),
                "meeting": (_("meetings"), lambda: Q(channel=Channel.MEETING)),
                "email": (_("emails"), lambda: Q(channel=Channel.EMAIL)),
                "inbound": (_("inbound"), lambda: Q(direction=Direction.INBOUND)),
                "outbound": (_("outbound"), lambda: Q(direction=Direction.OUTBOUND)),
            },
            groupings={
                "channel": Grouping(_("Channel"), "channel", _choices(Channel.choices)),
                "direction": Grouping(_("Direction"), "direction", _choices(Direction.choices)),
                "segment": Grouping(_("Segment"), "contact__segment", SEGMENT_NAMES),
            },
            title=lambda: F("subject"),
            card=("contact_detail", "contact_id"),
        ),
        Source(
            key="tasks",
            label=_("Tasks"),
            records=lambda user: tasks_visible(user=user),
            dates={
                "due": (_("due"), "due_at"),
                "done": (_("done"), "done_at"),
                "created": (_("created"), "created_at"),
            },
            people={
                "assignee": (_("Assignee"), "assignee"),
                "created_by": (_("Set by"), "created_by"),
            },
            conditions={
                "done": (_("done"), lambda: Q(done_at__isnull=False)),
                "overdue": (_("overdue"), lambda: Q(done_at=None, due_at__lt=timezone.now())),
            },
            durations={
                "to_done": Duration(_("from creation to done"), "created_at", "done_at", "hours")
            },
            title=lambda: F("title"),
            card=("task_edit", "pk"),
        ),
        Source(
            key="tickets",
            label=_("Support requests"),
            records=lambda user: tickets_visible(user=user),
            dates={
                "opened": (_("opened"), "created_at"),
                "answered": (_("first answered"), "first_response_at"),
                "resolved": (_("resolved"), "resolved_at"),
            },
            people={"assignee": (_("Assignee"), "assignee")},
            conditions={
                "answered": (_("answered"), lambda: Q(first_response_at__isnull=False)),
                "within_sla": (
                    _("answered within SLA"),
                    lambda: Q(
                        first_response_at__isnull=False, first_response_at__lte=F("sla_due_at")
                    ),
                ),
                "resolved": (_("resolved"), lambda: Q(resolved_at__isnull=False)),
            },
            durations={
                "first_response": Duration(
                    _("to the first answer"), "created_at", "first_response_at", "hours"
                ),
                "resolution": Duration(_("to resolution"), "created_at", "resolved_at", "hours"),
            },
            groupings={
                "status": Grouping(_("Status"), "status", _choices(Ticket.Status.choices)),
                "topic": Grouping(_("Topic"), "topic", _named(SupportTopic)),
                "priority": Grouping(_("Priority"), "priority"),
            },
            title=lambda: F("subject"),
            card=("ticket_detail", "pk"),
        ),
        Source(
            key="contacts",
            label=_("Contacts"),
            records=_contacts,
            dates={"created": (_("created"), "created_at")},
            people={"owner": (_("Owner"), "owner")},
            conditions={
                "with_company": (_("works at a company"), lambda: Q(company__isnull=False)),
                "email_consent": (_("agrees to emails"), lambda: Q(consent_email=True)),
            },
            groupings={
                "segment": Grouping(_("Segment"), "segment", SEGMENT_NAMES),
                "lifecycle_stage": Grouping(
                    _("Lifecycle stage"), "lifecycle_stage", _named(LifecycleStage)
                ),
            },
            title=lambda: Concat("first_name", Value(" "), "last_name"),
            card=("contact_detail", "pk"),
        ),
    )
}

TIME_GRAINS = {
    "day": _("Day"),
    "week": _("Week"),
    "month": _("Month"),
    "quarter": _("Quarter"),
    "year": _("Year"),
}
