"""Activity pages: the contact's 360° card actions (log an interaction, move the stage, read the
timeline), interactions and tasks."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.activities.forms import InteractionForm, NoteForm, TaskForm
from crm_core.activities.notes import NOTE_RECORDS, note_draft_keep
from crm_core.activities.selectors import (
    attachment_get_for_user,
    my_tasks,
    note_get_for_user,
    task_get_for_user,
)
from crm_core.activities.services import (
    attachments_add,
    contact_stage_change,
    follow_up_task_for_interaction,
    interaction_log,
    note_add,
    note_delete,
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
    """A file of an interaction or a note, for those who may see its record (always as a
    download, so a stored HTML file never runs in the app's origin)."""
    attachment = attachment_get_for_user(user=request.user, pk=pk)
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


@require_POST
def note_add_view(request: StaffRequest, kind: str, pk: int) -> HttpResponse:
    record = NOTE_RECORDS[kind](user=request.user, pk=pk)
    back = reverse(f"{kind}_detail", args=[pk]) + "#notes"
    form = NoteForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(
                [message for errors in form.errors.values() for message in errors]
            )
        note_add(
            actor=request.user,
            record=record,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
        )
    except ValidationError as error:
        note_draft_keep(request, record, request.POST.get("body", ""))
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Note added."))
    return redirect(back)


@require_POST
def note_delete_view(request: StaffRequest, pk: int) -> HttpResponse:
    note = note_get_for_user(user=request.user, pk=pk)
    record = note.record
    kind = type(record).__name__.lower()
    note_delete(actor=request.user, note=note)
    messages.success(request, _("Note deleted."))
    return redirect(reverse(f"{kind}_detail", args=[record.pk]) + "#notes")
