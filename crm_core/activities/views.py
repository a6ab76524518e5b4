"""Activity pages: the contact's 360° card actions (log an interaction, move the stage, read the
timeline), interactions and tasks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.activities.forms import InteractionForm, TaskForm
from crm_core.activities.models import Attachment
from crm_core.activities.selectors import my_tasks, task_get_for_user
from crm_core.activities.services import (
    attachments_add,
    contact_stage_change,
    follow_up_task_for_interaction,
    interaction_log,
    task_complete,
    task_create,
    task_update,
)
from crm_core.activities.timeline import timeline_fragment
from crm_core.common.redirects import local_path
from crm_core.parties.models import LifecycleStage
from crm_core.parties.screens import CONTACTS, contact_card_context
from crm_core.parties.selectors import contact_get_for_user
from tenants.typing import StaffRequest


def contact_timeline_view(request: StaffRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    return timeline_fragment(request, contact, "contact_timeline")


@require_POST
def interaction_create(request: StaffRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    form = InteractionForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        try:
            with transaction.atomic():
                logged = interaction_log(
                    actor=request.user,
                    contact=contact,
                    data=form.cleaned_data,
                    participants=list(form.cleaned_data["participants"]),
                    staff=list(form.cleaned_data["staff"]),
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
                    % {"name": contact.full_name, "stage": str(logged.moved.to_stage)},
                )
            if logged.suggested_stage:
                request.session["stage_suggestion"] = {
                    "contact": contact.pk,
                    "stage": logged.suggested_stage.pk,
                    "name": logged.suggested_stage.name,
                    "reason": str(logged.interaction.outcome or ""),
                }
            return redirect("contact_detail", contact.pk)

    context = contact_card_context(request, contact, form)
    context["kind"] = CONTACTS
    return render(request, "crm_core/parties/contact_detail.html", context, status=400)


@require_POST
def contact_stage_view(request: StaffRequest, pk: int) -> HttpResponse:
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


def attachment_download(request: StaffRequest, pk: int) -> FileResponse:
    """A file of an interaction, for those who may see its contact (always as a download, so a
    stored HTML file never runs in the app's origin)."""

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


def task_list(request: StaffRequest) -> HttpResponse:
    return render(
        request, "crm_core/activities/task_list.html", {"groups": my_tasks(user=request.user)}
    )


def _back(request: StaffRequest, default: str) -> str:
    return local_path(request, request.POST.get("next") or request.GET.get("next") or "", default)


def task_form(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    task = task_get_for_user(user=request.user, pk=pk) if pk else None
    initial = (
        {
            "title": task.title,
            "due_at": task.due_at,
            "remind_at": task.remind_at,
            "priority": task.priority,
            "contact": task.contact_id,
            "description": task.description,
            "assignee": task.assignee_id,
        }
        if task
        else {"contact": request.GET.get("contact")}
    )
    form = TaskForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        assignee = data.pop("assignee", None)
        try:
            if task:
                task_update(task=task, data=data)
            else:
                task = task_create(actor=request.user, data=data, assignee=assignee)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(_back(request, "/tasks/"))
    return render(request, "crm_core/activities/task_form.html", {"form": form, "task": task})


@require_POST
def task_complete_view(request: StaffRequest, pk: int) -> HttpResponse:
    task = task_get_for_user(user=request.user, pk=pk)
    task_complete(task=task, done=request.POST.get("done", "1") == "1")
    return redirect(_back(request, "/tasks/"))
