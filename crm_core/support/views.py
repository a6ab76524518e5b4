from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm_core.parties.selectors import contact_get_for_user, contacts_visible, owners_assignable
from crm_core.support.models import SupportTopic, Ticket
from crm_core.support.selectors import (
    QUEUE_FILTERS,
    ticket_get_for_user,
    ticket_queue_filter,
)
from crm_core.support.services import ticket_open, ticket_reply, ticket_update
from tenants.typing import StaffRequest


def ticket_queue(request: StaffRequest) -> HttpResponse:
    tickets = ticket_queue_filter(user=request.user, params=request.GET)
    return render(
        request,
        "crm_core/support/tickets.html",
        {
            "tickets": tickets[:200],
            "statuses": Ticket.Status.choices,
            "priorities": Ticket.Priority.choices,
            "topics": SupportTopic.objects.all(),
            "agents": owners_assignable(),
            "wanted": request.GET.get("status", ""),
            "filters": {key: request.GET.get(key, "") for key in QUEUE_FILTERS},
        },
    )


def ticket_create(request: StaffRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            contact = contact_get_for_user(
                user=request.user, pk=int(request.POST.get("contact") or 0)
            )
            ticket = ticket_open(
                actor=request.user,
                contact=contact,
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
                priority=request.POST.get("priority", "normal"),
                kind=request.POST.get("kind", "question"),
            )
        except (Http404, ValueError):
            errors["contact"] = [_("Choose a contact.")]
        except ValidationError as error:
            errors.update(error.message_dict)
        else:
            messages.success(request, _("Request %(number)s opened.") % {"number": ticket.number})
            return redirect("ticket_detail", ticket.pk)
    chosen = request.POST.get("contact") or request.GET.get("contact") or ""
    return render(
        request,
        "crm_core/support/ticket_form.html",
        {
            # only the chosen client: the search box above the select finds the others
            "contacts": contacts_visible(user=request.user).filter(
                archived_at=None, pk=int(chosen) if chosen.isdigit() else 0
            ),
            "priorities": Ticket.Priority.choices,
            "kinds": Ticket.Kind.choices,
            "errors": errors,
            "selected": request.POST.get("contact") or request.GET.get("contact"),
            "values": request.POST,
        },
    )


def ticket_detail(request: StaffRequest, pk: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            if "body" in request.POST:
                ticket_reply(
                    actor=request.user,
                    ticket=ticket,
                    body=request.POST["body"],
                    internal=request.POST.get("internal") == "on",
                )
                messages.success(request, _("Reply sent."))
            else:
                assignee_id = request.POST.get("assignee")
                ticket_update(
                    ticket=ticket,
                    status=request.POST.get("status") or None,
                    priority=request.POST.get("priority") or None,
                    assignee=owners_assignable().filter(pk=assignee_id).first()
                    if assignee_id
                    else None,
                )
                messages.success(request, _("Saved."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("ticket_detail", ticket.pk)
    return render(
        request,
        "crm_core/support/ticket_detail.html",
        {
            "ticket": ticket,
            "thread": ticket.messages.select_related("author"),
            "statuses": Ticket.Status.choices,
            "priorities": Ticket.Priority.choices,
            "agents": owners_assignable(),
        },
    )
