from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm_core.common.visibility import visibility_scope, visible_to
from crm_core.parties.models import Contact
from crm_core.support.models import Ticket
from tenants.identity.models import User
from tenants.identity.roles import Visibility

CLOSED_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def tickets_visible(*, user: User) -> QuerySet[Ticket]:
    """Tickets of the contacts the user may see (support agents see every contact)."""
    tickets = Ticket.objects.all()
    if visibility_scope(user) != Visibility.ALL:
        tickets = tickets.filter(contact__in=visible_to(Contact.objects.all(), user).values("pk"))
    return tickets.select_related("contact", "assignee")


def ticket_get_for_user(*, user: User, pk: int) -> Ticket:
    ticket = tickets_visible(user=user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket


QUEUE_SOURCES = ("portal", "staff")
# The queue's query-string filters besides status (the page keeps them in its filter form).
QUEUE_FILTERS = ("topic", "source", "assignee", "priority", "q")


def ticket_queue_filter(*, user: User, params) -> QuerySet[Ticket]:
    """The support queue as `user` sees it, narrowed by the queue's filters (query-string
    values; unknown values are ignored): status (default: the open ones; `all`), topic id,
    source (portal, staff), assignee (`me`, `none` or a user id), priority, and `q`, which
    matches the number or the subject."""
    tickets = tickets_visible(user=user).select_related("topic")
    status = params.get("status", "")
    if status in Ticket.Status.values:
        tickets = tickets.filter(status=status)
    elif status != "all":
        tickets = tickets.exclude(status__in=CLOSED_STATUSES)
    topic = params.get("topic", "")
    if topic.isdigit():
        tickets = tickets.filter(topic_id=int(topic))
    if params.get("source") in QUEUE_SOURCES:
        tickets = tickets.filter(source=params["source"])
    assignee = params.get("assignee", "")
    if assignee == "me":
        tickets = tickets.filter(assignee=user)
    elif assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee.isdigit():
        tickets = tickets.filter(assignee_id=int(assignee))
    if params.get("priority") in Ticket.Priority.values:
        tickets = tickets.filter(priority=params["priority"])
    text = params.get("q", "").strip()[:100]
    if text:
        tickets = tickets.filter(Q(number__iexact=text) | Q(subject__icontains=text))
    return tickets


@dataclass
class ServiceSummary:
    total: int = 0
    open: int = 0
    overdue: int = 0  # open past the answer time the SLA set
    latest_open: list[Ticket] = field(default_factory=list)


def service_summary(tickets: QuerySet[Ticket], latest: int = 3) -> ServiceSummary:
    """How a client's requests stand: all of them, the open ones, the overdue ones."""
    now = timezone.now()
    still_open = ~Q(status__in=CLOSED_STATUSES)
    counts = tickets.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=still_open),
        overdue=Count("pk", filter=still_open & Q(sla_due_at__lt=now)),
    )
    return ServiceSummary(
        total=counts["total"],
        open=counts["open"],
        overdue=counts["overdue"],
        latest_open=(
            list(tickets.filter(still_open).order_by("sla_due_at", "id")[:latest])
            if counts["open"]
            else []
        ),
    )
