"""The job's own table of checked rows (`import_rows_<job id>`, unlogged, in the company's
schema): one pass over the file streams the valid rows into it with COPY; the import inserts
from it with INSERT ... SELECT; a daily job drops the tables nobody will use."""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

import json
import operator
from datetime import timedelta
from typing import Any, BinaryIO, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.jobs.imports.cells import CellContext, cell_reader
from crm_core.jobs.imports.fields import ImportField, ImportRowError, fields_for
from crm_core.jobs.imports.files import file_format, table_open
from crm_core.jobs.imports.problems import Problems
from crm_core.jobs.imports.progress import progress_key, progress_push
from crm_core.jobs.models import ImportJob

PROGRESS_EVERY = 10_000


# staging columns beyond the fields: their SQL types and the value of a blank cell
SQL_TYPES = {
    "emails": "text[]",
    "phones": "text[]",
    "birthday": "date",
    "consent_email": "boolean",
    "consent_sms": "boolean",
    "consent_calls": "boolean",
    "is_vip": "boolean",
    "lifecycle_stage_id": "integer",
    "owner_id": "integer",
    "team_id": "integer",
}


def blank_value(column: str):
    sql_type = SQL_TYPES.get(column, "text")
    if sql_type == "text[]":
        return []
    if sql_type == "boolean":
        return False
    if sql_type in ("date", "integer"):
        return None
    return ""


def staging_columns(kind: str, fields: list[ImportField]) -> list[str]:
    columns = [item.target for item in fields if item.parse != "parameter"]
    columns += ["owner_id", "team_id", "segment_values"]
    return list(dict.fromkeys(columns))


def duplicate_keys(kind: str, values: dict) -> list[tuple[str, str]]:
    if kind == ImportJob.Kind.CONTACT:
        return [("email", e) for e in values["emails"]] + [("phone", p) for p in values["phones"]]
    keys = [("name", values["name"].lower())]
    if values.get("tax_id"):
        keys.append(("tax id", values["tax_id"]))
    return keys


def staged_table(job: ImportJob) -> str:
    """The job's table of checked rows, in the tenant's schema (the search path's first)."""
    return f"import_rows_{int(job.pk)}"


def staged_drop(job: ImportJob) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staged_table(job)}")


def staged_intact(job: ImportJob) -> bool:
    """Whether the rows the dry run kept are all still there for the import."""
    table = staged_table(job)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0] == job.staged_rows


def array_literal(items: list[str]) -> str:
    """A text[] literal, written here because psycopg's list dumper is pure Python and the
    hot loop of a million-row import feels it."""
    return (
        "{"
        + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
        + "}"
    )


class StagedPass:
    """One pass over the file into the job's table of checked rows (`staged_table`)."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.kind = job.kind
        self.fields = fields_for(job.kind, job.segment)
        self.context = CellContext.load(job)
        self.columns = staging_columns(job.kind, self.fields)
        self.required = [item for item in self.fields if item.required]
        self.problems = Problems()
        self.valid = 0
        self.processed = 0
        self.seen: dict[tuple[str, str], int] = {}

    @classmethod
    def checked(cls, job: ImportJob) -> StagedPass:
        """The pass the dry run made, as its job recorded it: its rows are in the table."""
        stage = cls(job)
        stage.valid = job.staged_rows
        stage.processed = job.processed_rows
        problems = stage.problems
        problems.error_count = job.error_count
        problems.errors = list(job.errors)
        problems.duplicate_count = job.file_duplicates
        problems.duplicates = [item for item in job.duplicate_rows if item["record"] is None]
        return stage

    def run(self) -> None:
        """Read the whole file into a new table of checked rows."""
        staged = staged_table(self.job)
        column_list = ", ".join(["row", *self.columns])
        with connection.cursor() as cursor:
            sql_columns = ", ".join(
                f"{name} {SQL_TYPES.get(name, 'text')}" for name in self.columns
            )
            cursor.execute(f"DROP TABLE IF EXISTS {staged}")
            # unlogged: no write-ahead log for rows that a new dry run can always make again
            cursor.execute(
                f"CREATE UNLOGGED TABLE {staged} (row integer PRIMARY KEY, {sql_columns}, "
                "duplicate_of integer)"
            )
            with (
                table_open(
                    cast(BinaryIO, self.job.file.open("rb")),
                    file_format=file_format(self.job.file.name or ""),
                    encoding=self.job.encoding,
                    delimiter=self.job.delimiter,
                ) as table,
                cursor.copy(f"COPY {staged} ({column_list}) FROM STDIN") as copy,
            ):
                self.processed = self._copy_rows(table.rows, copy)
            cursor.execute(f"ANALYZE {staged}")

    def _copy_rows(self, rows, copy) -> int:
        """Check each row and copy the good ones into the table; returns the rows read. The
        hot loop of a million-row import: everything it can, it prepares beforehand."""
        by_key = {item.key: item for item in self.fields}
        steps = [
            (int(column), cell_reader(by_key[key], self.context))
            for column, key in sorted(self.job.mapping.items(), key=lambda pair: int(pair[0]))
        ]
        headers, problems = self.job.headers, self.problems
        defaults = {column: blank_value(column) for column in self.columns}
        defaults.update(owner_id=self.job.owner.pk, team_id=self.job.owner.team_id)
        row_of = operator.itemgetter(*self.columns)
        processed = 0
        for number, cells in rows:
            processed += 1
            if processed % PROGRESS_EVERY == 0:
                cache.set(progress_key(self.job), processed, 3600)
                progress_push(self.job, processed)
            values = defaults.copy()
            values["emails"] = []
            values["phones"] = []
            values["segment_values"] = {}
            bad = False
            width = len(cells)
            for index, read in steps:
                raw = cells[index].strip() if index < width else ""
                if not raw:
                    continue
                try:
                    read(values, raw)
                except ImportRowError as error:
                    problems.error(number, headers[index], str(error))
                    bad = True
            if self._required_missing(number, values) or bad:
                continue
            if self._duplicate_in_file(number, values) and self.job.skips_duplicates:
                continue
            self.valid += 1
            parameters = values["segment_values"]
            values["segment_values"] = json.dumps(parameters) if parameters else "{}"
            values["emails"] = array_literal(values["emails"])
            values["phones"] = "{" + ",".join(values["phones"]) + "}"
            copy.write_row((number, *row_of(values)))
        return processed

    def _required_missing(self, number: int, values: dict) -> bool:
        """Whether a required field of the row is blank (each one is reported)."""
        missing = False
        for item in self.required:
            if item.key.startswith("p."):
                blank = item.key[2:] not in values["segment_values"]
            else:
                blank = not values[item.target]
            if blank:
                self.problems.error(
                    number,
                    self._column_of(item.key),
                    _("%(field)s is required.") % {"field": item.label},
                )
                missing = True
        return missing

    def _column_of(self, key: str) -> str:
        for column, mapped in self.job.mapping.items():
            if mapped == key:
                return self.job.headers[int(column)]
        return ""

    def _duplicate_in_file(self, number: int, values: dict) -> bool:
        keys = duplicate_keys(self.kind, values)
        seen = self.seen
        for label_key in keys:
            first = seen.get(label_key)
            if first is not None:
                label, key = label_key
                self.problems.duplicate(number, f"{_(label)} {key}", None, first)
                return True
        for label_key in keys:
            seen[label_key] = number
        return False


COMPANIES_FOUND = "import_companies"


def insert_sql(
    model, job: ImportJob, expressions: dict[str, str], source: str, staged
) -> tuple[str, list]:
    """INSERT INTO the model's table SELECT from the staged rows: staged columns by name,
    `expressions` where given, and every other column its model default."""
    columns: list[str] = []
    selects: list[str] = []
    params: list[Any] = []
    now = timezone.now()
    for item in model._meta.concrete_fields:
        if item.primary_key:
            continue
        column = item.column
        columns.append(column)
        if column in expressions:
            selects.append(expressions[column])
        elif column in staged:
            selects.append(f"s.{column}::jsonb" if column == "segment_values" else f"s.{column}")
        elif column in ("created_at", "updated_at"):
            selects.append("%s")
            params.append(now)
        elif column == "import_job_id":
            selects.append("%s")
            params.append(job.pk)
        elif column == "segment_id":
            selects.append("%s")
            params.append(job.segment_id)
        else:
            selects.append("%s")
            params.append(item.get_db_prep_save(item.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} {source}"
    )
    return sql, params


def imports_purge(*, now=None) -> int:
    """Drop the checked rows of imports nobody started within a day of their dry run (an
    import started later reads its file again) and of imports that ended; returns how many
    tables went."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename ~ '^import_rows_[0-9]+$'"
        )
        tables = {int(name.rsplit("_", 1)[1]): name for (name,) in cursor.fetchall()}
        waiting = ImportJob.objects.filter(pk__in=tables).filter(
            Q(status__in=[ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING])
            | Q(status=ImportJob.Status.CHECKED, checked_at__gte=cutoff)
        )
        kept = set(waiting.values_list("pk", flat=True))
        for pk, name in tables.items():
            if pk not in kept:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
    return len(tables) - len(kept)
