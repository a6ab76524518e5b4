"""What the benchmarks share: Django set up, a throwaway database, a company with its owner,
percentiles."""

from __future__ import annotations

import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from onboarding import services as onboarding  # noqa: E402
from tenants.identity.models import User  # noqa: E402

# BENCH_KEEP=1: the database outlives the run and the next run reuses it (a benchmark whose
# company is already there skips its load): for experiments at full size
KEEP = os.environ.get("BENCH_KEEP") == "1"


@contextmanager
def throwaway_database(name: str) -> Iterator[None]:
    """A migrated database of its own (public, template, no tenants), dropped afterwards
    unless BENCH_KEEP=1."""
    connection.settings_dict["TEST"]["NAME"] = name
    config = setup_databases(
        verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set(), keepdb=KEEP
    )
    try:
        call_command("platform_migrate", verbosity=0, processes=1)
        yield
    finally:
        connection.set_schema_to_public()
        if not KEEP:
            teardown_databases(config, verbosity=0)


def company_exists(subdomain: str) -> bool:
    """Whether a kept database (BENCH_KEEP=1) already holds the benchmark's company."""
    from tenants.models import Tenant  # noqa: PLC0415 (models load after django.setup())

    return KEEP and Tenant.objects.filter(schema_name=subdomain).exists()


def copy_rows(table: str, columns: str, lines: Iterable[str]) -> float:
    """COPY the tab-separated `lines` (each ending in a newline) into `table`, 50,000 at a
    time, then ANALYZE it; returns the seconds it took."""
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        batch = io.StringIO()
        for index, line in enumerate(lines, 1):
            batch.write(line)
            if index % 50_000 == 0:
                copy.write(batch.getvalue())
                batch = io.StringIO()
        copy.write(batch.getvalue())
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def company_signup(subdomain: str, plan: str = "") -> User:
    """A company signed up as a new customer would (schema from the template snapshot), its
    owner `owner@<subdomain>.test`; returns the owner. `plan`: the code of the plan it is
    moved to (a benchmark with more staff than a trial has seats takes "business")."""
    from billing.models import Plan, Subscription  # noqa: PLC0415 (after django.setup())

    email = f"owner@{subdomain}.test"
    result = onboarding.company_signup(
        company_name=subdomain.title(),
        subdomain=subdomain,
        owner_name=f"Owner {subdomain.title()}",
        email=email,
        password="Bench-Password-2026",
    )
    if plan:
        Subscription.objects.filter(tenant_id=result.tenant_id).update(
            plan=Plan.objects.get(code=plan)
        )
    with schema_context(subdomain):
        return User.objects.get(email=email)


def time_requests(client, requests: list[tuple[str, str]], repeats: int) -> dict[str, list]:
    """Each (label, path) GET `repeats` times through `client`; the durations after a warm-up
    of five. A response other than 200 stops the benchmark."""

    results = {}
    for label, path in requests:
        durations = []
        for _ in range(repeats):
            started = time.perf_counter()
            response = client.get(path)
            durations.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{path}: {response.status_code}")
        results[label] = durations[5:]
    return results


def print_percentiles(results: dict[str, list], width: int = 34) -> None:

    print(f"{'request':<{width}}{'p50':>8}{'p95':>8}{'p99':>8}  ms")
    for label, durations in results.items():
        print(
            f"{label:<{width}}{statistics.median(durations) * 1000:8.1f}"
            f"{percentile(durations, 0.95) * 1000:8.1f}{percentile(durations, 0.99) * 1000:8.1f}"
        )


def process_start(command: list[str], env: dict) -> subprocess.Popen:
    """A server or worker of the benchmark, in its own session (stopped with its children)."""
    return subprocess.Popen(  # noqa: S603
        command,
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def process_stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def port_wait(port: int) -> None:
    """Until something listens on the loopback `port` (a minute at most)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not start")
