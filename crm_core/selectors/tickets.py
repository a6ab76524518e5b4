from django.db.models import QuerySet
from django.http import Http404

from crm_core.models import Contact, Ticket
from crm_core.selectors.visibility import visible_to
from tenants.identity.models import User


def tickets_visible(*, user: User) -> QuerySet[Ticket]:
    """Tickets of the contacts the user may see (support agents see every contact)."""
    contacts = visible_to(Contact.objects.all(), user).values("pk")
    return Ticket.objects.filter(contact__in=contacts).select_related("contact", "assignee")


def ticket_get_for_user(*, user: User, pk: int) -> Ticket:
    ticket = tickets_visible(user=user).filter(pk=pk).first()
    if ticket is None:
        raise Http404
    return ticket
