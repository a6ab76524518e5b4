"""Writing the checked rows: one INSERT ... SELECT, shared above SECOND_WRITER_ROWS with a
second connection that inserts about half of them and commits just before the job."""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.db import transaction

from billing.services.limits import contact_limit_error
from crm_core.jobs.imports.files import FileProblem
from crm_core.jobs.imports.staging import COMPANIES_FOUND, StagedPass, insert_sql, staged_table
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Contact
from tenants.typing import connection

logger = logging.getLogger(__name__)


# From this many rows up, a second connection inserts about half of them alongside the job's
# own (bench/import_contacts.py: PostgreSQL spends an import's time in index upkeep, one core
# per connection). Smaller imports gain less than the second connection costs.
SECOND_WRITER_ROWS = 100_000


class SecondWriter(threading.Thread):
    """Inserts a share of the rows on a connection of its own, checks its deferred foreign
    keys, then waits: the job commits this share just before its own once everything else
    has passed, or abandons it."""

    def __init__(self, schema: str, statements: list[tuple[str, list]]) -> None:
        super().__init__(name="import-second-writer", daemon=True)
        self.schema = schema
        self.statements = statements
        self.count = 0
        self.seconds = 0.0  # inserting and checking its share
        self.error: BaseException | None = None
        self.committed = False
        self.checked = threading.Event()
        self.decided = threading.Event()
        self.go = False

    def run(self) -> None:
        try:
            connection.set_schema(self.schema)
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                # the job's thread waits for this one without the database knowing: a lock
                # its transaction held and this one wanted would hang both, so waiting for a
                # lock ends in an error (today neither takes a lock the other wants)
                cursor.execute("SET LOCAL lock_timeout = '5min'")
                for sql, params in self.statements:
                    cursor.execute(sql, params)
                self.count = cursor.rowcount
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.seconds = time.perf_counter() - started
                self.checked.set()
                self.decided.wait()
                if not self.go:
                    transaction.set_rollback(True)
            self.committed = self.go
        except BaseException as error:  # handed to the job's thread, which raises it
            self.error = error
        finally:
            self.checked.set()
            connection.close()

    def share(self) -> int:
        """Rows inserted and checked; raises what stopped the writer."""
        self.checked.wait()
        if self.error is not None:
            raise self.error
        return self.count

    def decide(self, *, commit: bool) -> None:
        self.go = commit
        self.decided.set()
        self.join()
        if commit and not self.committed:
            raise self.error or RuntimeError("the second writer did not commit")


@dataclass
class _Plan:
    """What the inserts of one import read: its table of checked rows (joined, for contacts,
    to the companies found), the rows it keeps, and which rows a second writer may take."""

    job: ImportJob
    model: type
    columns: set[str]

    @property
    def contact(self) -> bool:
        return self.model is Contact

    @property
    def staged(self) -> str:
        return staged_table(self.job)

    @property
    def kept(self) -> str:
        return " AND s.duplicate_of IS NULL" if self.job.skips_duplicates else ""

    @property
    def joined(self) -> str:
        if not self.contact:
            return ""
        return f" LEFT JOIN {COMPANIES_FOUND} f ON f.key = lower(s.company_name)"

    @property
    def shareable(self) -> str:
        """Rows a second writer may insert: those naming no company the job creates (the
        second connection cannot see them)."""
        return "(s.company_name = '' OR f.created IS FALSE)" if self.contact else "TRUE"

    def insert_where(self, condition: str) -> tuple[str, list]:
        return insert_sql(
            self.model,
            self.job,
            {"company_id": "f.id"} if self.contact else {},
            f"FROM {self.staged} s{self.joined} WHERE {condition}",
            staged=self.columns,
        )


def _share_facts(plan: _Plan) -> tuple[int, list, list, list[int]]:
    """For a second writer: the last row of its share (about half of the shareable rows), the
    existing companies found (keys and ids), and the rows marked as duplicates."""
    job, staged = plan.job, plan.staged
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.row FROM {staged} s{plan.joined} WHERE {plan.shareable}{plan.kept} "
            "ORDER BY s.row OFFSET %s LIMIT 1",
            [max(job.staged_rows // 2 - 1, 0)],
        )
        found = cursor.fetchone()
        cutoff = found[0] if found else 2**31 - 1
        cursor.execute(
            f"SELECT coalesce(array_agg(key), '{{}}'), coalesce(array_agg(id), '{{}}') "
            f"FROM {COMPANIES_FOUND} WHERE NOT created"
            if plan.contact
            else "SELECT '{}'::text[], '{}'::int[]"
        )
        keys, ids = cursor.fetchone()
        dropped: list[int] = []
        if job.skips_duplicates:
            cursor.execute(f"SELECT row FROM {staged} WHERE duplicate_of IS NOT NULL")
            dropped = [row for (row,) in cursor.fetchall()]
    return cutoff, keys, ids, dropped


def _second_writer_start(plan: _Plan) -> tuple[SecondWriter, int]:
    """A second writer inserting the shareable rows up to a cutoff; returns it and the cutoff."""
    cutoff, keys, ids, dropped = _share_facts(plan)
    # the second connection cannot see this transaction's marks and companies: they go to it
    # as values, into temporary tables of its own
    statements = [
        (f"DROP TABLE IF EXISTS {COMPANIES_FOUND}", []),
        (
            f"CREATE TEMPORARY TABLE {COMPANIES_FOUND} ON COMMIT DROP AS "
            "SELECT key, id, false AS created FROM unnest(%s::text[], %s::int[]) m(key, id)",
            [keys, ids],
        ),
        ("DROP TABLE IF EXISTS import_dropped", []),
        (
            "CREATE TEMPORARY TABLE import_dropped ON COMMIT DROP AS "
            "SELECT unnest(%s::int[]) AS row",
            [dropped],
        ),
        ("ANALYZE import_dropped", []),
        plan.insert_where(
            f"s.row <= {cutoff} AND {plan.shareable} "
            "AND NOT EXISTS (SELECT FROM import_dropped d WHERE d.row = s.row)"
        ),
    ]
    second = SecondWriter(connection.schema_name, statements)
    second.start()
    logger.info(
        "import %s: a second connection writes shareable rows up to %s", plan.job.pk, cutoff
    )
    return second, cutoff


def _insert_mine(plan: _Plan, second: SecondWriter | None, cutoff: int | None) -> tuple[int, int]:
    """This transaction's inserts (all rows, or those the second writer does not take), then
    the second writer's count once it has checked its share: (mine, shared)."""
    mine = f"NOT (s.row <= {cutoff} AND {plan.shareable})" if second else "TRUE"
    # ids follow the file's order when one connection writes; two interleave them anyway, so
    # they skip the sort
    insert, params = plan.insert_where(f"{mine}{plan.kept}" + ("" if second else " ORDER BY s.row"))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(insert, params)
        created = cursor.rowcount
        if second:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    if second is None:
        return created, 0
    shared = second.share()
    logger.info(
        "import %s: %s rows here in %.1f s, %s by the second writer in %.1f s",
        plan.job.pk,
        created,
        time.perf_counter() - started,
        shared,
        second.seconds,
    )
    return created, shared


def write_rows(
    job: ImportJob, model, stage: StagedPass, *, committed_rows: bool, writers: list[SecondWriter]
) -> int:
    """Insert the checked rows; returns how many. A second writer that takes part is added
    to `writers` as it starts.

    A large import is shared with a second writer (`SECOND_WRITER_ROWS`), which sees only
    what is committed: the job's table of checked rows (`committed_rows`: the import starts
    from a dry run's rows) and the companies that existed before. It takes rows up to a
    cutoff among those naming no new company, about half; the job's own transaction takes
    the rest and creates the new companies. Both check their foreign keys before either
    commits, so the only step between the two commits is the job's commit itself."""
    plan = _Plan(job=job, model=model, columns=set(stage.columns))
    second = cutoff = None
    if committed_rows and job.staged_rows >= SECOND_WRITER_ROWS:
        second, cutoff = _second_writer_start(plan)
        writers.append(second)
    try:
        created, shared = _insert_mine(plan, second, cutoff)
        if plan.contact:
            over = contact_limit_error(count=Contact.objects.count, adding=shared)
            if over:  # the inserts are rolled back with the transactions
                raise FileProblem(over)
        if second:
            second.decide(commit=True)
    except BaseException:
        if second and not second.decided.is_set():
            second.decide(commit=False)
        raise
    return created + shared
