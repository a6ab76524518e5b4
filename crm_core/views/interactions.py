"""The contact's 360° card actions: log an interaction, move the stage, read the timeline."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.forms import InteractionForm
from crm_core.models import Channel, LifecycleStage
from crm_core.selectors.history import record_history
from crm_core.selectors.parties import contact_get_for_user
from crm_core.services.interactions import (
    attachments_add,
    contact_stage_change,
    interaction_log,
)
from crm_core.services.tasks import follow_up_task_for_interaction
from crm_core.views.timeline import timeline_context, timeline_fragment


def contact_card_context(request: HttpRequest, contact, form=None) -> dict:
    from crm_core.models import ContactMerge
    from crm_core.selectors.commerce import (
        lifetime_revenue,
        lifetime_revenue_converted,
        orders_visible,
    )
    from crm_core.selectors.deals import contact_open_deals
    from crm_core.selectors.parties import contacts_visible
    from crm_core.selectors.segments import pending_segment, segment_card_context
    from crm_core.selectors.tasks import tasks_visible
    from crm_core.services.parties import contact_duplicates_find

    return {
        **segment_card_context(contact, "contact", pending_segment(request, contact)),
        **timeline_context(request, contact, "contact_timeline"),
        "open_deals": list(contact_open_deals(user=request.user, contact=contact)[:10]),
        "orders": list(orders_visible(user=request.user).filter(contact=contact)[:5]),
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
            pk=request.session.get("last_merge"), survivor=contact, undone_at=None
        ).first(),
        "open_tasks": list(
            tasks_visible(user=request.user).filter(contact=contact, done_at=None)[:10]
        ),
        "contact": contact,
        "history": record_history(contact),
        "interaction_form": form or InteractionForm(initial={"channel": Channel.CALL}),
        "stages": LifecycleStage.objects.all(),
    }


def contact_timeline_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    return timeline_fragment(request, contact, "contact_timeline")


@require_POST
def interaction_create(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    form = InteractionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                logged = interaction_log(
                    actor=request.user, contact=contact, data=form.cleaned_data
                )
                attachments_add(
                    actor=request.user,
                    interaction=logged.interaction,
                    files=form.cleaned_data["attachments"],
                )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Logged."))
            if form.cleaned_data.get("follow_up_at"):
                task = follow_up_task_for_interaction(
                    actor=request.user,
                    contact=contact,
                    due_at=form.cleaned_data["follow_up_at"],
                    subject=form.cleaned_data.get("subject")
                    or logged.interaction.get_channel_display(),
                )
                messages.success(
                    request,
                    _("Follow-up task for %(name)s created.") % {"name": task.assignee.full_name},
                )
            if logged.moved:
                messages.success(
                    request,
                    _("%(name)s moved to “%(stage)s”.")
                    % {"name": contact.full_name, "stage": logged.moved.to_stage.name},
                )
            if logged.suggested_stage:
                request.session["stage_suggestion"] = {
                    "contact": contact.pk,
                    "stage": logged.suggested_stage.pk,
                    "name": logged.suggested_stage.name,
                    "reason": logged.interaction.outcome.name,
                }
            return redirect("contact_detail", contact.pk)
    from crm_core.views.parties import CONTACTS

    context = contact_card_context(request, contact, form)
    context["kind"] = CONTACTS
    return render(request, "crm_core/contact_detail.html", context, status=400)


@require_POST
def contact_stage_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    stage = get_object_or_404(LifecycleStage, pk=request.POST.get("stage") or 0)
    reason = request.POST.get("reason", "")[:255]
    if contact_stage_change(actor=request.user, contact=contact, stage=stage, reason=reason):
        messages.success(
            request,
            _("%(name)s moved to “%(stage)s”.") % {"name": contact.full_name, "stage": stage.name},
        )
    request.session.pop("stage_suggestion", None)
    return redirect("contact_detail", contact.pk)


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file of an interaction, for those who may see its contact (always as a download, so a
    stored HTML file never runs in the app's origin)."""
    from crm_core.models import Attachment

    attachment = Attachment.objects.select_related("interaction").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    contact_get_for_user(user=request.user, pk=attachment.interaction.contact_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
