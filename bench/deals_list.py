"""Deal list (page, 50 rows, filtered and sorted, with its bounded count) and the filtered board
with many deals in one tenant.

Loads N deals (default 1,000,000) with PostgreSQL COPY into a throwaway database: a fifth
without an expected close date, a tenth without an amount, spread over the default pipeline's
stages and 40 owners in 5 teams. Times real requests through Django as the owner (sees all), a
head of sales (team) and a sales rep (own), and beside each list request the same rows' SQL
alone (the page's query and its count, run on the connection): the floor the page stands on.
Usage: `python bench/deals_list.py [N]` (needs a few GB of disk for 1M rows).
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time

from common import company_signup, percentile, throwaway_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.pagination import COUNT_LIMIT
from crm_core.deals.models import Pipeline
from crm_core.deals.selectors import deals_filtered
from tenants.identity.models import Team, User  # noqa: E402
from tenants.identity.roles import Role  # noqa: E402
from tenants.identity.services.users import user_create  # noqa: E402

REPEATS = 40
WORDS = ["Steel", "Pipes", "Valves", "Beams", "Sheets", "Bolts", "Кабель", "Трубы", "Насосы"]


def load_deals(schema: str, count: int, owners: list[User], pipeline: Pipeline) -> float:
    rng = random.Random(7)  # noqa: S311 - benchmark data
    stages = list(pipeline.stages.values_list("pk", "is_won", "is_lost"))
    columns = (
        "title, pipeline_id, stage_id, amount, currency, expected_close, description, "
        "lost_reason, stage_entered_at, closed_at, board_position, owner_id, team_id, "
        "created_at, updated_at, version"
    )
    null = chr(92) + "N"
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            f'COPY "{schema}".crm_core_deal ({columns}) FROM STDIN'
        ) as copy,
    ):
        batch = io.StringIO()
        for index in range(count):
            owner = owners[index % len(owners)]
            stage, won, lost = rng.choice(stages)
            amount = null if index % 10 == 0 else f"{rng.randint(1, 5_000_000)}.00"
            close = null if index % 5 == 0 else f"2027-{1 + index % 12:02d}-{1 + index % 28:02d}"
            created = f"2026-{1 + index % 12:02d}-{1 + index % 28:02d} 10:{index % 60:02d}:00+00"
            closed = created if won or lost else null
            batch.write(
                f"{rng.choice(WORDS)} {index}\t{pipeline.pk}\t{stage}\t{amount}\tRUB\t{close}\t\t"
                f"\t{created}\t{closed}\t{index}\t{owner.pk}\t{owner.team_id or null}\t"
                f"{created}\t{created}\t1\n"
            )
            if index % 50_000 == 49_999:
                copy.write(batch.getvalue())
                batch = io.StringIO()
        copy.write(batch.getvalue())
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{schema}".crm_core_deal')
    return time.perf_counter() - started


def timed(client: Client, path: str, params: dict) -> list[float]:
    durations = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(path, params)
        durations.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params}: {response.status_code}")
    return durations[5:]  # the first requests warm caches


def sql_alone(user: User, params: dict) -> list[float]:
    """The page's two queries (its first 51 rows in its order, its count bounded at
    COUNT_LIMIT) run on the connection, with nothing of Django's request around them."""
    with schema_context("bench"):
        query = QueryDict(mutable=True)
        query.update(params)
        deals = deals_filtered(user=user, query=query)
        order = params.get("ordering", "-created_at")
        rows_sql, rows_params = deals.order_by(order)[:51].query.sql_with_params()
        inner_sql, count_params = deals.order_by()[: COUNT_LIMIT + 1].query.sql_with_params()
        count_sql = "SELECT COUNT(*) FROM (" + inner_sql + ") AS rows"  # noqa: S608 - ORM SQL
        durations = []
        with connection.cursor() as cursor:
            for _ in range(REPEATS):
                started = time.perf_counter()
                cursor.execute(rows_sql, rows_params)
                cursor.fetchall()
                cursor.execute(count_sql, count_params)
                cursor.fetchall()
                durations.append(time.perf_counter() - started)
    connection.set_schema_to_public()
    return durations[5:]


def main(count: int) -> None:
    with throwaway_database("bench_deals"):
        owner = company_signup("bench", plan="business")
        with schema_context("bench"):
            teams = [Team.objects.create(name=f"Team {i}") for i in range(5)]
            staff = [
                user_create(
                    email=f"rep{i}@bench.test",
                    full_name=f"Rep {i}",
                    password=None,
                    role=Role.SALES_REP,
                    team=teams[i % 5],
                )
                for i in range(40)
            ]
            head = user_create(
                email="head@bench.test",
                full_name="Head",
                password=None,
                role=Role.SALES_HEAD,
                team=teams[0],
            )
            pipeline = Pipeline.objects.get()
            loaded = load_deals("bench", count, staff, pipeline)
            rep = staff[0]
        connection.set_schema_to_public()
        print(
            f"Deals in the tenant: {count:,} (loaded by COPY in {loaded:.0f} s, "
            f"{count / loaded:,.0f} rows/s), 40 owners in 5 teams; a fifth without a close "
            "date, a tenth without an amount"
        )
        rows = []
        scenarios = [
            ("list, newest", {}),
            ("list, closing soonest", {"ordering": "close_date"}),
            ("list, largest amount", {"ordering": "-amount_value"}),
            (
                "list, open, 1M–2M",
                {"status": "open", "amount_min": "1000000", "amount_max": "2000000"},
            ),
            ("list, closing in March", {"close_after": "2027-03-01", "close_before": "2027-03-31"}),
        ]
        for label, user in (
            ("owner (all)", owner),
            ("head of sales (team)", head),
            ("sales rep (own)", rep),
        ):
            client = Client(HTTP_HOST="bench.localhost")
            with schema_context("bench"):
                client.force_login(user)
            connection.set_schema_to_public()
            for name, params in scenarios:
                rows.append(
                    (label, name, timed(client, "/deals/list/", params), sql_alone(user, params))
                )
            board = {
                "pipeline": pipeline.pk,
                "close_after": "2027-01-01",
                "close_before": "2027-06-30",
            }
            rows.append((label, "board, closing Jan–Jun", timed(client, "/deals/", board), None))
    print(f"{'who':<22}{'request':<26}{'p50':>8}{'p95':>8}{'p99':>8}{'SQL p50':>10}  ms")
    for label, name, durations, floor in rows:
        alone = f"{statistics.median(floor) * 1000:10.1f}" if floor else f"{'—':>10}"
        print(
            f"{label:<22}{name:<26}{statistics.median(durations) * 1000:8.1f}"
            f"{percentile(durations, 0.95) * 1000:8.1f}{percentile(durations, 0.99) * 1000:8.1f}"
            f"{alone}"
        )
    print("target: p95 < 150 ms for every list row (the SQL alone is the floor)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
