"""Tenant admins shape the CRM's lists: lifecycle stages, interaction topics and outcomes."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_core.forms import OutcomeForm, StageForm, TopicForm
from crm_core.models import InteractionOutcome, InteractionTopic, LifecycleStage
from tenants.identity.views.team import team_manager_required

LISTS = {
    "stages": (LifecycleStage, StageForm),
    "topics": (InteractionTopic, TopicForm),
    "outcomes": (InteractionOutcome, OutcomeForm),
}


@team_manager_required
def crm_settings(request: HttpRequest) -> HttpResponse:
    context = {
        name: [
            (item, form_class(instance=item, prefix=f"{name}-{item.pk}"))
            for item in model.objects.all()
        ]
        for name, (model, form_class) in LISTS.items()
    }
    context.update(
        {
            f"new_{name}": form_class(prefix=f"{name}-new")
            for name, (_model, form_class) in LISTS.items()
        }
    )
    return render(request, "crm_core/settings.html", context)


@require_POST
@team_manager_required
def crm_list_save(request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
    model, form_class = LISTS[name]
    instance = get_object_or_404(model, pk=pk) if pk else None
    prefix = f"{name}-{pk}" if pk else f"{name}-new"
    form = form_class(request.POST, instance=instance, prefix=prefix)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
    else:
        errors = "; ".join(
            f"{form.fields[field].label}: {' '.join(messages_)}"
            if field in form.fields
            else " ".join(messages_)
            for field, messages_ in form.errors.items()
        )
        messages.error(request, errors)
    return redirect("crm_settings")
