from django.db.models import QuerySet
from django.http import Http404

from crm_core.models import ExportJob
from tenants.identity.models import User


def exports_for(*, user: User) -> QuerySet[ExportJob]:
    """A user's own exports: the file holds what *they* may see, so nobody else downloads it."""
    return ExportJob.objects.filter(created_by=user)


def export_get_for_user(*, user: User, pk: int) -> ExportJob:
    job = exports_for(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
