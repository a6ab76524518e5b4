from datetime import datetime, time, timedelta

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from crm_core.models import Task
from crm_core.selectors.visibility import visible_to
from tenants.identity.models import User


def tasks_visible(*, user: User) -> QuerySet[Task]:
    return visible_to(Task.objects.all(), user, owner_field="assignee").select_related(
        "assignee", "contact", "company", "deal"
    )


def task_get_for_user(*, user: User, pk: int) -> Task:
    task = tasks_visible(user=user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def _end_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time()))


def my_tasks(*, user: User) -> dict[str, QuerySet[Task]]:
    now, end = timezone.now(), _end_of_today()
    mine = tasks_visible(user=user).filter(assignee=user)
    return {
        "overdue": mine.filter(done_at=None, due_at__lt=now),
        "today": mine.filter(done_at=None, due_at__gte=now, due_at__lt=end),
        "upcoming": mine.filter(done_at=None, due_at__gte=end)[:100],
        "done": mine.exclude(done_at=None).order_by("-done_at")[:30],
    }


def due_count(*, user: User) -> int:
    """My open tasks due by the end of today (the sidebar badge)."""
    return Task.objects.filter(assignee=user, done_at=None, due_at__lt=_end_of_today()).count()
