"""Who may open an import or an export (the same 404 for missing and not theirs)."""

from django.db.models import QuerySet
from django.http import Http404

from crm_core.jobs.models import ExportJob, ImportJob
from tenants.identity.models import User
from tenants.identity.roles import Visibility


def imports_visible(*, user: User) -> QuerySet[ImportJob]:
    """Imports are seen by who started them, and by those who see every record."""
    jobs = ImportJob.objects.select_related("created_by", "owner", "segment")
    if user.is_staff_member and user.visibility == Visibility.ALL:
        return jobs
    return jobs.filter(created_by=user)


def import_get_for_user(*, user: User, pk: int) -> ImportJob:
    job = imports_visible(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job


def exports_for(*, user: User) -> QuerySet[ExportJob]:
    """A user's own exports: the file holds what *they* may see, so nobody else downloads it."""
    return ExportJob.objects.filter(created_by=user)


def export_get_for_user(*, user: User, pk: int) -> ExportJob:
    job = exports_for(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404
    return job
