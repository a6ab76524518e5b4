from django.db.models import Q, QuerySet
from django.http import Http404

from crm_core.lists.models import BulkOperation, SavedView
from tenants.identity.models import User


def views_for(*, user: User, kind: str) -> QuerySet[SavedView]:
    """The user's own views of a list, and those their team shares."""
    shared = Q(shared=True, team=user.team) if user.team_id else Q(pk__in=[])
    return SavedView.objects.filter(Q(owner=user) | shared, kind=kind).select_related("owner")


def view_get_for_user(*, user: User, pk: int) -> SavedView:
    view = SavedView.objects.filter(pk=pk).first()
    if view is None or not views_for(user=user, kind=view.kind).filter(pk=pk).exists():
        raise Http404
    return view


def bulk_operation_get_for_user(*, user: User, pk: int) -> BulkOperation:
    operation = BulkOperation.objects.filter(pk=pk, actor=user).first()
    if operation is None:
        raise Http404
    return operation
