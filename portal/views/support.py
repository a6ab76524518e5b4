"""Support requests in the portal: list, open, follow the thread, reply, close, and the files."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.activities.models import Attachment
from crm_core.support.models import TicketMessage
from portal.forms import ReplyForm, RequestForm
from portal.selectors import ticket_of
from portal.services.support import (
    messages_of,
    request_close,
    request_open,
    request_reply,
    tickets_of,
)
from portal.views.common import customer_view, page_of


@customer_view
def ticket_list(request: HttpRequest) -> HttpResponse:
    page = page_of(request, tickets_of(account=request.account).select_related("topic"))
    return render(request, "portal/tickets.html", {"page": page})


@customer_view
def ticket_create(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = request_open(
                account=request.account,
                topic=form.cleaned_data["topic"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(
                request,
                _("Request %(number)s is sent. We answer by %(due)s")
                % {
                    "number": ticket.number,
                    "due": formats.date_format(
                        timezone.localtime(ticket.sla_due_at), "SHORT_DATETIME_FORMAT"
                    ),
                },
            )
            return redirect("portal_ticket_detail", pk=ticket.pk)
    return render(request, "portal/ticket_form.html", {"form": form})


@customer_view
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_of(account=request.account, pk=pk)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            request_reply(
                account=request.account,
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Your message is sent."))
            return redirect("portal_ticket_detail", pk=ticket.pk)
    return render(
        request,
        "portal/ticket.html",
        {"ticket": ticket, "thread": messages_of(ticket=ticket), "form": form},
    )


@require_POST
@customer_view
def ticket_close(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_of(account=request.account, pk=pk)
    request_close(account=request.account, ticket=ticket)
    messages.success(request, _("The request is closed. Thank you!"))
    return redirect("portal_ticket_detail", pk=ticket.pk)


@customer_view
def attachment_download(request: HttpRequest, uuid: str) -> FileResponse:
    """A file of the customer's own request thread (never one from an internal note)."""
    message_interactions = TicketMessage.objects.filter(
        ticket__contact_id=request.account.contact_id, internal=False
    ).values("interaction_id")
    attachment = Attachment.objects.filter(
        uuid=uuid, interaction_id__in=message_interactions
    ).first()
    if attachment is None:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
