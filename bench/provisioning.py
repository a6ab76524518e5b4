"""Signup-to-first-authenticated-request, for tenants cloned from the template schema, next to
tenants created by running every migration, measured in the same run.

Runs against its own database (`bench_provisioning`) on the embedded server or on DATABASE_URL's
server, and drops it afterwards.  Usage: `make bench` or `python bench/provisioning.py [N]`.
"""

from __future__ import annotations

import statistics
import sys
import time

from common import percentile, throwaway_database  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from onboarding.services import company_signup  # noqa: E402
from tenants.models import TemplateSnapshot, Tenant  # noqa: E402

PASSWORD = "Bench-Password-2026"  # noqa: S105


def signup_to_first_request(subdomain: str) -> float:
    started = time.perf_counter()
    result = company_signup(
        company_name=f"Bench {subdomain}",
        subdomain=subdomain,
        owner_name="Bench Owner",
        email=f"owner@{subdomain}.test",
        password=PASSWORD,
    )
    client = Client(HTTP_HOST=result.domain)
    landing = client.get(result.login_url.split(f":{settings.BASE_URL_PORT}", 1)[1])
    dashboard = client.get("/")
    elapsed = time.perf_counter() - started
    if landing.status_code != 302 or dashboard.status_code != 200:
        raise RuntimeError(f"{subdomain}: the owner did not land signed in")
    return elapsed


def schema_step(subdomain: str, *, from_snapshot: bool) -> float:
    """Only the step the choice affects: creating a ready tenant schema."""
    tenant = Tenant(schema_name=subdomain, name=subdomain)
    started = time.perf_counter()
    if from_snapshot:
        tenant.create_schema()
    else:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{subdomain}"')
        call_command("migrate_schemas", schema_name=subdomain, interactive=False, verbosity=0)
    elapsed = time.perf_counter() - started
    connection.set_schema_to_public()
    return elapsed


def migrate_based_signup(subdomain: str) -> float:
    """A whole signup, with the schema migrated instead of replayed from the snapshot."""
    TemplateSnapshot.objects.all().delete()
    settings.TENANT_CREATION_FAKES_MIGRATIONS = False
    try:
        return signup_to_first_request(subdomain)
    finally:
        settings.TENANT_CREATION_FAKES_MIGRATIONS = True


def line(label: str, values: list[float]) -> str:
    return (
        f"  {label:<44} n={len(values):<3} p50 {statistics.median(values) * 1000:6.0f} ms"
        f"   p95 {percentile(values, 0.95) * 1000:6.0f} ms"
    )


def main(count: int) -> None:
    with throwaway_database("bench_provisioning"):
        signup_to_first_request("warmup")
        signups = [signup_to_first_request(f"clone{i}") for i in range(count)]
        sample = max(5, count // 10)
        replayed = [schema_step(f"replay{i}", from_snapshot=True) for i in range(sample)]
        migrated = [schema_step(f"migrated{i}", from_snapshot=False) for i in range(sample)]
        migrated_signups = [migrate_based_signup(f"slow{i}") for i in range(sample)]
        tenants = Tenant.objects.count()
    print(f"Tenant provisioning ({tenants} tenants in the database at the end)")
    print("signup -> one-time sign-in link -> first dashboard request:")
    print(line("template snapshot (what signup uses)", signups))
    print(line("migrations run for each tenant", migrated_signups))
    print("creating the tenant schema alone:")
    print(line("template snapshot", replayed))
    print(line("migrations", migrated))
    schema_ratio = statistics.median(migrated) / statistics.median(replayed)
    signup_ratio = statistics.median(migrated_signups) / statistics.median(signups)
    print(
        f"snapshot vs migrations: schema step {schema_ratio:.1f}x faster, "
        f"whole signup {signup_ratio:.1f}x faster"
    )
    print("targets: signup p95 < 1000 ms; schema creation >= 5x faster than migrating")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
