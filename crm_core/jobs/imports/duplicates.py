"""Duplicates against what the database holds (one hash join per kind of key), and the
companies the contacts name: found among those the importer sees, or created."""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm_core.common.visibility import visible_to
from crm_core.jobs.imports.problems import Problems
from crm_core.jobs.imports.staging import COMPANIES_FOUND, insert_sql, staged_table
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Company, Contact


def existing_duplicates(job: ImportJob, problems: Problems) -> int:
    """Mark staged rows that match existing records; one hash join per kind of key."""
    staged = staged_table(job)
    if job.kind == ImportJob.Kind.CONTACT:
        table = Contact._meta.db_table
        statements = [
            (
                _("email"),
                f"""WITH staged AS (SELECT row, unnest(emails) AS key FROM {staged}),
                existing AS (SELECT id, unnest(emails) AS key FROM {table}
                             WHERE archived_at IS NULL)
                SELECT staged.row, min(existing.id), min(staged.key) FROM staged
                JOIN existing USING (key) GROUP BY staged.row""",
            ),
            (
                _("phone"),
                f"""WITH staged AS (SELECT row, unnest(phones) AS key FROM {staged}),
                existing AS (SELECT id, unnest(phones) AS key FROM {table}
                             WHERE archived_at IS NULL)
                SELECT staged.row, min(existing.id), min(staged.key) FROM staged
                JOIN existing USING (key) GROUP BY staged.row""",
            ),
        ]
    else:
        table = Company._meta.db_table
        statements = [
            (
                _("tax id"),
                f"""SELECT s.row, min(c.id), min(s.tax_id) FROM {staged} s
                JOIN {table} c ON c.tax_id = s.tax_id
                WHERE s.tax_id <> '' AND c.archived_at IS NULL GROUP BY s.row""",
            ),
            (
                _("name"),
                f"""SELECT s.row, min(c.id), min(s.name) FROM {staged} s
                JOIN {table} c ON lower(c.name) = lower(s.name)
                WHERE c.archived_at IS NULL GROUP BY s.row""",
            ),
        ]
    found: dict[int, int] = {}
    with connection.cursor() as cursor:
        for label, sql in statements:
            cursor.execute(sql)
            for row, record_id, key in cursor.fetchall():
                if row not in found:
                    found[row] = record_id
                    problems.duplicate(row, f"{label} {key}", record_id, None)
        if found:
            cursor.execute("DROP TABLE IF EXISTS import_dups")
            cursor.execute(
                "CREATE TEMPORARY TABLE import_dups (row integer, record integer) ON COMMIT DROP"
            )
            with cursor.copy("COPY import_dups (row, record) FROM STDIN") as copy:
                for row, record_id in found.items():
                    copy.write_row((row, record_id))
            cursor.execute(
                f"UPDATE {staged} s SET duplicate_of = d.record FROM import_dups d "
                "WHERE d.row = s.row"
            )
    return len(found)


def companies_resolve(job: ImportJob, *, write: bool) -> int:
    """Find the companies the contacts name (by name, among the companies the importer sees);
    names nobody has yet become new companies. Leaves the name-to-company table
    `COMPANIES_FOUND` (key, id, created) for the insert to join, and returns how many are (to
    be) created."""
    visible = (
        visible_to(Company.objects.filter(archived_at=None), job.created_by)
        .annotate(key=Lower("name"))
        .values("id", "key")
    )
    sql, params = visible.query.sql_with_params()
    kept = "duplicate_of IS NULL" if job.skips_duplicates else "TRUE"
    staged = staged_table(job)
    # one pass over the rows: each name the kept rows give, and the first row giving it
    unknown = f"NOT EXISTS (SELECT FROM {COMPANIES_FOUND} f WHERE f.key = n.key)"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_names")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE import_names ON COMMIT DROP AS
            SELECT lower(company_name) AS key, min(row) AS first FROM {staged}
            WHERE company_name <> '' AND {kept} GROUP BY 1"""
        )
        cursor.execute("ANALYZE import_names")
        cursor.execute(f"DROP TABLE IF EXISTS {COMPANIES_FOUND}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {COMPANIES_FOUND} ON COMMIT DROP AS
            SELECT DISTINCT ON (v.key) v.key, v.id, false AS created
            FROM ({sql}) v JOIN import_names n ON n.key = v.key ORDER BY v.key, v.id""",
            params,
        )
        cursor.execute(f"ANALYZE {COMPANIES_FOUND}")
        cursor.execute(f"SELECT count(*) FROM import_names n WHERE {unknown}")
        new = cursor.fetchone()[0]
        if write and new:
            insert, insert_params = insert_sql(
                Company,
                job,
                {"name": "s.company_name", "emails": "'{}'", "phones": "'{}'", "notes": "''"},
                f"FROM import_names n JOIN {staged} s ON s.row = n.first WHERE {unknown}",
                staged=("owner_id", "team_id"),
            )
            cursor.execute(
                f"""WITH created AS ({insert} RETURNING lower(name) AS key, id)
                INSERT INTO {COMPANIES_FOUND} SELECT key, id, true FROM created""",
                insert_params,
            )
    return new
