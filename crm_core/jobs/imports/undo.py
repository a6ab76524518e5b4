"""Undo of a whole import: what it created goes; what colleagues have used since is archived
instead, so nothing anyone added is lost."""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.common.indexing import search_soon
from crm_core.jobs.imports.progress import finished_push
from crm_core.jobs.models import ImportJob
from crm_core.jobs.running import running
from crm_core.parties.models import Company, Contact


def import_undo_start(*, job: ImportJob) -> ImportJob:
    if job.status != ImportJob.Status.DONE:
        raise ValidationError(_("Only a finished import can be undone."))
    job.status = ImportJob.Status.UNDOING
    job.problem = ""
    job.save(update_fields=["status", "problem"])
    return job


def _used(model) -> list[Exists]:
    """Conditions: a record of `model` is referenced by anything else."""
    conditions = []
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            through = relation.through
            link = next(
                item.name
                for item in through._meta.concrete_fields
                if item.is_relation and item.related_model is model
            )
            conditions.append(Exists(through.objects.filter(**{link: OuterRef("pk")})))
        else:
            related = relation.related_model._base_manager
            conditions.append(Exists(related.filter(**{relation.field.name: OuterRef("pk")})))
    return conditions


def undo_model(model, job: ImportJob) -> tuple[int, int]:
    imported = model.objects.filter(import_job=job)
    conditions = _used(model)
    used = imported.none()
    for condition in conditions:
        used = used | imported.filter(condition)
    archived = imported.filter(pk__in=used.values("pk")).update(
        archived_at=timezone.now(), import_job=None
    )
    sql, params = imported.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id IN ({sql})", params)
        removed = cursor.rowcount
    return removed, archived


def import_undo(*, job: ImportJob) -> ImportJob:
    """Remove what the import created. Records that others have since linked to (a logged
    call, a deal, an order) are archived instead, so nothing anyone added is lost."""
    with running(job), transaction.atomic():
        removed, archived = (0, 0)
        if job.kind == ImportJob.Kind.CONTACT:
            removed, archived = undo_model(Contact, job)
        company_removed, company_archived = undo_model(Company, job)
    job.undo_removed = removed + company_removed
    job.undo_archived = archived + company_archived
    job.status = ImportJob.Status.UNDONE
    job.undone_at = timezone.now()
    job.save()
    finished_push(job)
    search_soon()
    return job
