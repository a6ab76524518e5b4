"""platform_migrate for many tenants: one failing tenant is reported and retried while the
others are migrated, a second run resumes with only what is left, and a failing canary stops
the run before any other tenant is touched.

The tenants' schemas are changed for real (committed: the migrations run in worker
processes), and left as they were found: every tenant migrated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from tenants.services.migrations import needs_migration, tenants_migrate


def _reversible_leaf() -> tuple[str, str, tuple[str, str]]:
    """The newest migration of a tenant app that nothing depends on and that can be undone:
    undoing it makes it pending again; forgetting it (its record gone, its changes kept)
    makes applying it fail. Returns (app, name, the migration before it)."""

    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = dict(loader.graph.leaf_nodes())
    for app in ("portal", "search", "crm_core"):
        migration = loader.get_migration(app, leaves[app])
        parents = [key for key in migration.dependencies if key[0] == app]
        if parents and all(operation.reversible for operation in migration.operations):
            return app, migration.name, parents[0]
    raise AssertionError("no tenant app's newest migration can be undone")


APP, MIGRATION, BEFORE = _reversible_leaf()


def in_own_thread(function: Callable[[], None]) -> None:
    """Run `function` in a thread of its own. These tests commit, so they carry no django_db
    mark, and pytest-django runs them after the browser tests, whose Playwright event loop is
    still running in the main thread (where Django refuses database calls)."""

    def call() -> None:
        try:
            function()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(call).result()


def _restore() -> None:
    if tenants_migrate().failed:
        for schema in ("alpha", "beta"):
            if needs_migration(schema):
                _unbreak(schema)
        tenants_migrate()
    connection.set_schema_to_public()


@pytest.fixture
def committed(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock():
        yield
        in_own_thread(_restore)


def _undo(schema: str) -> None:
    """The schema one migration back: pending again, and it will apply."""

    connection.set_schema(schema)
    MigrationExecutor(connection).migrate([BEFORE])
    connection.set_schema_to_public()


def _forget(schema: str) -> None:
    """Pending, and it will fail: its record is gone but its changes are still there."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s',  # noqa: S608
            [APP, MIGRATION],
        )


def _unbreak(schema: str) -> None:
    """A forgotten migration recorded again, then undone: pending, and it will apply."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schema}".django_migrations (app, name, applied) '  # noqa: S608
            "VALUES (%s, %s, now())",
            [APP, MIGRATION],
        )
    _undo(schema)


def test_a_failing_tenant_is_reported_the_others_migrate_and_a_rerun_resumes(committed):
    in_own_thread(_a_failing_tenant_is_reported_and_a_rerun_resumes)


def _a_failing_tenant_is_reported_and_a_rerun_resumes() -> None:
    _undo("alpha")  # pending, and will apply
    _forget("beta")  # pending, and will fail: its changes are there
    said: list[str] = []
    report = tenants_migrate(processes=2, retries=1, say=said.append)
    assert report.pending == ["alpha", "beta"]
    assert report.migrated == ["alpha"]
    assert list(report.failed) == ["beta"]
    assert "does not exist" in report.failed["beta"]
    assert said[0].startswith("2 of ")
    assert "Retrying 1 failed tenants (attempt 2)." in said
    assert not needs_migration("alpha")

    _unbreak("beta")
    again = tenants_migrate(processes=2)
    assert (again.pending, again.migrated, again.failed) == (["beta"], ["beta"], {})
    assert not needs_migration("beta")


def test_a_failing_canary_stops_the_run_before_the_others(committed):
    in_own_thread(_a_failing_canary_stops_the_run)


def _a_failing_canary_stops_the_run() -> None:
    _undo("alpha")
    _forget("beta")
    report = tenants_migrate(processes=2, canary=["beta"])
    assert report.canary_failed
    assert list(report.failed) == ["beta"]
    assert report.migrated == []
    assert needs_migration("alpha")  # untouched

    with pytest.raises(CommandError, match="A canary tenant failed"):
        call_command("platform_migrate", canary="beta", retries=0, verbosity=0)
    with pytest.raises(CommandError, match="no such tenant schema: nope"):
        call_command("platform_migrate", canary="nope", verbosity=0)
