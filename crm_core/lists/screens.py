"""What a list's page shows of its saved views and bulk changes: the views to choose from, the
columns of the one chosen, the bulk actions of the user's role and the last change to undo."""

from __future__ import annotations

from crm_core.common.visibility import can_assign_owners
from crm_core.deals.models import PipelineStage
from crm_core.deals.pipelines import pipelines_active
from crm_core.lists.columns import COLUMNS, DEFAULT_COLUMNS
from crm_core.lists.models import BulkOperation, ListKind
from crm_core.lists.selectors import views_for
from crm_core.lists.services import ACTIONS, BULK_LIMIT, bulk_undo_latest
from crm_core.segments.models import Segment
from tenants.typing import StaffRequest


def list_screen_context(request: StaffRequest, kind: str) -> dict:
    views = list(views_for(user=request.user, kind=kind))
    chosen = request.GET.get("view", "")
    current = next((view for view in views if str(view.pk) == chosen), None)
    actions = [
        (action, BulkOperation.Action(action).label)
        for action in ACTIONS[kind]
        if action != "owner" or can_assign_owners(request.user)
    ]
    may_change = request.user.has_perm(f"crm_core.change_{kind}")
    context = {
        "list_kind": kind,
        "saved_views": views,
        "current_view": current,
        "columns": (current.columns if current else None) or DEFAULT_COLUMNS[kind],
        "column_choices": COLUMNS[kind].items(),
        "bulk_actions": actions if may_change else [],
        "bulk_limit": BULK_LIMIT,
        "bulk_undo": bulk_undo_latest(actor=request.user, kind=kind),
    }
    if not context["bulk_actions"]:
        return context
    # the choices of the bulk bar; the list's own filters hold the owners (and a party list's
    # lifecycle stages) already
    if kind == ListKind.DEAL:
        context["bulk_stages"] = PipelineStage.objects.filter(
            archived_at=None, pipeline__in=pipelines_active()
        ).select_related("pipeline")
    else:
        context["bulk_segments"] = [
            segment for segment in Segment.objects.all() if segment.applies(kind)
        ]
    return context
