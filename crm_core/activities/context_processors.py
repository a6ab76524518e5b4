from django.utils import timezone

from crm_core.activities.selectors import due_count
from crm_core.notifications.selectors import unread_count


def task_badge(request) -> dict:
    user = getattr(request, "user", None)
    tenant = getattr(request, "tenant", None)
    if (
        user is None
        or not user.is_authenticated
        or tenant is None
        or tenant.schema_name == "public"
        or not getattr(user, "is_staff_member", False)
    ):
        return {}

    return {
        "tasks_due": due_count(user=user),
        "notifications_unread": unread_count(user=user),
        "now": timezone.now(),
    }
