from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.forms import TaskForm
from crm_core.selectors.tasks import my_tasks, task_get_for_user
from crm_core.services.tasks import task_complete, task_create, task_update
from crm_core.views.redirects import local_path


def task_list(request: HttpRequest) -> HttpResponse:
    return render(request, "crm_core/task_list.html", {"groups": my_tasks(user=request.user)})


def _back(request: HttpRequest, default: str) -> str:
    return local_path(request, request.POST.get("next") or request.GET.get("next") or "", default)


def task_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
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
    return render(request, "crm_core/task_form.html", {"form": form, "task": task})


@require_POST
def task_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    task = task_get_for_user(user=request.user, pk=pk)
    task_complete(task=task, done=request.POST.get("done", "1") == "1")
    return redirect(_back(request, "/tasks/"))
