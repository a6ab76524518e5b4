"""Jobs whose step did not happen: the broker refused the message, or the worker died mid-way
(crm_core.jobs.running): back to where the user can start the step again, saying so."""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from crm_core.jobs.imports.progress import finished_push
from crm_core.jobs.imports.undo import undo_model
from crm_core.jobs.models import ImportJob
from crm_core.jobs.running import stopped
from crm_core.parties.models import Company, Contact
from tenants.queue import QUEUE_UNREACHABLE

logger = logging.getLogger(__name__)


# where a step that did not happen leaves its job: where the user can start it again
BEFORE_STEP: dict[str, str] = {
    ImportJob.Status.READING: ImportJob.Status.FAILED,
    ImportJob.Status.CHECKING: ImportJob.Status.UPLOADED,
    ImportJob.Status.IMPORTING: ImportJob.Status.CHECKED,
    ImportJob.Status.UNDOING: ImportJob.Status.DONE,
}


def import_not_queued(*, job: ImportJob) -> None:
    """The broker would not take the job's message: back to where the user can try again."""
    job.status = BEFORE_STEP.get(job.status, job.status)
    job.problem = str(QUEUE_UNREACHABLE)
    job.save(update_fields=["status", "problem"])


def imports_recover(*, now=None) -> int:
    """Jobs whose worker died in the middle of a step (crm_core.jobs.running): the step's
    transaction was rolled back with its session, so the job goes back to where its user can
    start the step again, saying so. Returns how many were recovered."""
    return sum(
        _recover(job) for job in stopped(ImportJob.objects.filter(status__in=BEFORE_STEP), now=now)
    )


STOPPED: dict[str, str | Promise] = {
    ImportJob.Status.READING: gettext_lazy(
        "Reading the file stopped when its worker did. Upload the file again."
    ),
    ImportJob.Status.CHECKING: gettext_lazy(
        "The check stopped when its worker did. Start it again."
    ),
    ImportJob.Status.IMPORTING: gettext_lazy(
        "The import stopped when its worker did; nothing was written. Start it again."
    ),
    ImportJob.Status.UNDOING: gettext_lazy(
        "The undo stopped when its worker did; nothing was undone. Start it again."
    ),
}


def _recover(job: ImportJob) -> int:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in BEFORE_STEP:
            return 0
        if job.status == ImportJob.Status.IMPORTING:
            # a second writer's share is committed when the worker died between the commits
            model = Contact if job.kind == ImportJob.Kind.CONTACT else Company
            undo_model(model, job)
        with translation.override(job.language or None):
            job.problem = str(STOPPED[job.status])
        job.status = BEFORE_STEP[job.status]
        job.running_since = None
        job.save(update_fields=["status", "problem", "running_since"])
    logger.warning("import %s: its worker stopped; back to %s", job.pk, job.status)
    finished_push(job)
    return 1
