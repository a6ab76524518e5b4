"""The dry run and the import: each a pass over the rows, the duplicates, the companies and
(for the import) the write, in the language of whoever uploaded the file; the job records
the result."""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm_core.common.indexing import search_soon
from crm_core.jobs.imports.duplicates import companies_resolve, existing_duplicates
from crm_core.jobs.imports.files import FileProblem
from crm_core.jobs.imports.problems import report_save
from crm_core.jobs.imports.progress import finished_push, progress_key
from crm_core.jobs.imports.staging import StagedPass, staged_drop, staged_intact
from crm_core.jobs.imports.undo import undo_model
from crm_core.jobs.imports.writer import SecondWriter, write_rows
from crm_core.jobs.models import ImportJob
from crm_core.jobs.running import running
from crm_core.parties.models import Company, Contact

logger = logging.getLogger(__name__)


class _Clock:
    """Seconds per phase, for the log line of every import."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.laps: list[str] = []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append(f"{name} {now - self.last:.2f}s")
        self.last = now

    def __str__(self) -> str:
        return ", ".join(self.laps)


def _execute(job: ImportJob, *, write: bool) -> None:
    """The dry run or the import, its messages in the language of whoever uploaded the file."""
    with translation.override(job.language or None), running(job):
        _execute_pass(job, write=write)
    cache.delete(progress_key(job))
    finished_push(job)


@dataclass
class _Outcome:
    created: int = 0
    companies: int = 0
    db_duplicates: int = 0
    file_duplicates: int = 0


def _steps(
    job: ImportJob, stage: StagedPass, *, write: bool, reused: bool, writers: list, clock: _Clock
) -> _Outcome:
    """The dry run's or the import's work; the dry run commits its pass over the rows and
    rolls back the rest, the import is one transaction."""
    outcome = _Outcome()
    if not write:
        with transaction.atomic():
            stage.run()
        clock.lap("read")
    with transaction.atomic():
        if write and not reused:
            stage.run()
            clock.lap("read")
        outcome.file_duplicates = stage.problems.duplicate_count
        outcome.db_duplicates = existing_duplicates(job, stage.problems)
        clock.lap("duplicates")
        if job.kind == ImportJob.Kind.CONTACT:
            outcome.companies = companies_resolve(job, write=write)
            clock.lap("companies")
        if not write:
            transaction.set_rollback(True)
            return outcome
        if stage.problems.error_count and not job.skip_invalid:
            raise FileProblem(_("The file has errors: check it again and fix them."))
        model = Contact if job.kind == ImportJob.Kind.CONTACT else Company
        outcome.created = write_rows(job, model, stage, committed_rows=reused, writers=writers)
        staged_drop(job)
        clock.lap("insert")
    return outcome


def _execute_pass(job: ImportJob, *, write: bool) -> None:
    """The dry run (write=False) or the import. The dry run commits the rows it kept in the
    job's table and rolls back the rest; the import is one transaction, which starts from
    those rows (or reads the file again when they are gone). The job row is updated
    afterwards, outside that transaction."""
    reused = write and staged_intact(job)
    writers: list[SecondWriter] = []
    stage = StagedPass.checked(job) if reused else StagedPass(job)
    clock = _Clock()
    try:
        outcome = _steps(job, stage, write=write, reused=reused, writers=writers, clock=clock)
    except FileProblem as error:
        _failed(job, " ".join(error.messages), write=write)
        return
    except Exception:
        if any(writer.committed for writer in writers):
            # the job's own commit failed (its connection lost) after the second writer's
            # share was committed: take that share back on a new connection
            logger.error("import %s: taking back the second writer's committed rows", job.pk)
            connection.close()
            with transaction.atomic():
                undo_model(Contact if job.kind == ImportJob.Kind.CONTACT else Company, job)
        _failed(
            job, _("The import stopped on an unexpected error; nothing was written."), write=write
        )
        raise
    clock.lap("commit")
    logger.info(
        "import %s (%s rows, write=%s, checked rows reused=%s, second writer %s rows): %s",
        job.pk,
        stage.processed,
        write,
        reused,
        sum(writer.count for writer in writers),
        clock,
    )
    _record(job, stage, outcome, write=write)


def _record(job: ImportJob, stage: StagedPass, outcome: _Outcome, *, write: bool) -> None:
    """What the pass found, on the job: counts, the first problems, the report, the status."""
    problems = stage.problems
    job.problem = ""
    job.processed_rows = stage.processed
    job.total_rows = stage.processed
    job.staged_rows = stage.valid
    job.file_duplicates = outcome.file_duplicates
    job.valid_rows = stage.valid - (outcome.db_duplicates if job.skips_duplicates else 0)
    job.error_count = problems.error_count
    job.duplicate_count = problems.duplicate_count
    job.errors = problems.errors
    job.duplicate_rows = sorted(problems.duplicates, key=lambda item: item["row"])
    job.companies_created = outcome.companies
    if write:
        job.status = ImportJob.Status.DONE
        job.created_count = outcome.created
        job.finished_at = timezone.now()
        search_soon()  # the records written in bulk, queued by the triggers
    else:
        job.status = ImportJob.Status.CHECKED
        job.checked_at = timezone.now()
        report_save(job, problems)
    job.save()


def _failed(job: ImportJob, problem: str, *, write: bool) -> None:
    """A failed dry run sends the user back to the mapping; a failed import stays failed (and
    its checked rows go)."""
    job.status = ImportJob.Status.FAILED if write else ImportJob.Status.UPLOADED
    job.problem = problem
    job.finished_at = timezone.now()
    job.save()
    if write:
        staged_drop(job)


def import_check(*, job: ImportJob) -> ImportJob:
    """The dry run: every row validated and matched, nothing written."""
    _execute(job, write=False)
    return job


def import_start(*, job: ImportJob) -> ImportJob:
    if not job.can_import:
        raise ValidationError(_("Check the file first; it can be imported once it has no errors."))
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["status"])
    return job


def import_run(*, job: ImportJob) -> ImportJob:
    _execute(job, write=True)
    return job
