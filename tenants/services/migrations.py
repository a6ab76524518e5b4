"""Migrating many tenants: in parallel, resumable, canary first.

Each tenant is migrated on its own (`migrate_schemas --schema`); one that fails is reported and
retried while the others go on, and a run that stops part-way is simply started again: tenants
already up to date are skipped. Named canary tenants go first, and if one of them fails no
other tenant is touched.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import get_public_schema_name

from tenants.models import Tenant
from tenants.typing import connection


@dataclass
class MigrationReport:
    total: int = 0
    pending: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # schema: the error's last line
    canary_failed: bool = False


def tenant_schemas() -> list[str]:
    excluded = {get_public_schema_name(), settings.TENANT_BASE_SCHEMA}
    return [
        schema
        for schema in Tenant.objects.order_by("schema_name").values_list("schema_name", flat=True)
        if schema not in excluded
    ]


def needs_migration(schema: str) -> bool:
    """Whether `schema` has migrations on disk it has not applied."""
    connection.set_schema(schema, include_public=False)
    try:
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    finally:
        connection.set_schema_to_public()


def _migrate_one(schema: str) -> tuple[str, str | None]:
    """Migrate one tenant; (schema, None) or (schema, what went wrong). Runs in a worker process."""
    try:
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
    except Exception as error:  # noqa: BLE001 - reported per tenant, the others go on
        last = traceback.format_exception_only(error)[-1].strip()
        return schema, last
    finally:
        connections.close_all()
    return schema, None


def _run(schemas: list[str], processes: int) -> dict[str, str | None]:
    if processes <= 1 or len(schemas) <= 1:
        return dict(_migrate_one(schema) for schema in schemas)
    connections.close_all()  # forked children must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        return dict(pool.map(_migrate_one, schemas))


def tenants_migrate(
    *,
    processes: int = 1,
    retries: int = 0,
    canary: Iterable[str] = (),
    say: Callable[[str], None] = lambda text: None,
) -> MigrationReport:
    schemas = tenant_schemas()
    canary = list(dict.fromkeys(canary))
    unknown = sorted(set(canary) - set(schemas))
    if unknown:
        raise ValueError(f"no such tenant schema: {', '.join(unknown)}")
    report = MigrationReport(total=len(schemas))
    report.pending = [schema for schema in schemas if needs_migration(schema)]
    say(f"{len(report.pending)} of {len(schemas)} tenants need migrations.")
    first = [schema for schema in canary if schema in report.pending]
    rest = [schema for schema in report.pending if schema not in first]
    for group, is_canary in ((first, True), (rest, False)):
        if not group:
            continue
        if is_canary:
            say(f"Canary first: {', '.join(group)}.")
        results = _run(group, processes)
        for attempt in range(retries):
            failed = [schema for schema, error in results.items() if error]
            if not failed:
                break
            say(f"Retrying {len(failed)} failed tenants (attempt {attempt + 2}).")
            results.update(_run(failed, processes))
        for schema, error in results.items():
            if error:
                report.failed[schema] = error
            else:
                report.migrated.append(schema)
        if is_canary and report.failed:
            report.canary_failed = True
            return report
    return report
