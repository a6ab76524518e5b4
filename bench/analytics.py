"""Analytics at scale: every built-in metric's figure (a dashboard tile), the 12-month trends,
the funnel, the forecast and the report builder's grouped queries, as the owner (sees all) and
as a sales rep (own), in one company holding (at scale 1) 1,000,000 contacts, 1,000,000 deals
with about 5,000,000 stage changes, 3,000,000 interactions and 2,000,000 orders with 6,000,000
lines over two years.

Loads the rows with INSERT ... SELECT generate_series inside PostgreSQL into a throwaway
database, scores the clients (the hourly job) and times each figure through the code the pages
call, beside the same SQL run alone on the connection (the floor). Prints the sizes it used.
Usage: `python bench/analytics.py [scale]` (scale 1 = the sizes above; 0.1 for a quick look).
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from datetime import date

from common import company_signup, percentile, throwaway_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from crm_core.analytics.forecast import forecast  # noqa: E402
from crm_core.analytics.funnel import funnel  # noqa: E402
from crm_core.analytics.metrics import BUILTIN, Scope, evaluate  # noqa: E402
from crm_core.analytics.periods import Period, preset  # noqa: E402
from crm_core.analytics.reports import report_spec  # noqa: E402
from crm_core.commerce.client_value import client_values_rescore  # noqa: E402
from crm_core.commerce.services import price_list_save, product_save  # noqa: E402
from crm_core.deals.models import Pipeline  # noqa: E402
from crm_core.workspace.services import exchange_rate_add  # noqa: E402
from tenants.identity.models import Team, User  # noqa: E402
from tenants.identity.roles import Role  # noqa: E402
from tenants.identity.services.users import user_create  # noqa: E402

REPEATS = 12
SCHEMA = "bench"
REPORTS = [
    (
        "report: won by month x owner",
        "source=deals&measure=sum&date=closed&condition=won&group=month&group=owner"
        "&range=last_12_months",
    ),
    (
        "report: interactions by channel x month",
        "source=interactions&group=channel&group=month&range=last_12_months",
    ),
    (
        "report: revenue by product x month",
        "source=order_lines&measure=sum&amount=total&condition=revenue&group=product&group=month"
        "&range=last_12_months",
    ),
]


def run(sql: str, params: dict | list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def load(scale: float, reps: list[User], pipeline: Pipeline, products: list[int]) -> dict:
    """The rows, made inside PostgreSQL; returns how many of each and how long it took."""
    sizes = {
        "contacts": int(1_000_000 * scale),
        "deals": int(1_000_000 * scale),
        "interactions": int(3_000_000 * scale),
        "orders": int(2_000_000 * scale),
    }
    owners = [user.pk for user in reps]
    teams = [user.team_id for user in reps]
    stages = pipeline.stages.order_by("position")
    flow = list(stages.filter(is_lost=False).values_list("pk", flat=True))
    lost = stages.get(is_lost=True).pk
    started = time.perf_counter()
    run(
        """INSERT INTO crm_core_contact (created_at, updated_at, version, owner_id, team_id,
            emails, phones, notes, segment_values, first_name, last_name, position,
            preferred_channel, language, consent_email, consent_sms, consent_calls, is_vip)
        SELECT now() - mod(g, 730) * interval '1 day', now(), 1,
               (%(owners)s::bigint[])[1 + mod(g, 40)], (%(teams)s::bigint[])[1 + mod(g, 40)],
               '{}', '{}', '', '{}', 'Client', g::text, '', '', '', mod(g, 3) = 0, false, false,
               false
        FROM generate_series(1, %(count)s) g""",
        {"owners": owners, "teams": teams, "count": sizes["contacts"]},
    )
    first = _scalar("SELECT min(id) FROM crm_core_contact")
    # deals: 3 in 10 won, 3 lost, 4 open at one of the open stages; the contact's owner owns it
    run(
        """INSERT INTO crm_core_deal (owner_id, team_id, created_at, updated_at, version, title,
            pipeline_id, stage_id, amount, currency, description, lost_reason, forecast_category,
            stage_entered_at, closed_at, board_position, expected_close, contact_id)
        SELECT (%(owners)s::bigint[])[1 + mod(c, 40)], (%(teams)s::bigint[])[1 + mod(c, 40)],
               created, created, 1, 'Deal ' || g, %(pipeline)s,
               CASE WHEN mod(g, 10) < 3 THEN %(won)s
                    WHEN mod(g, 10) < 6 THEN %(lost)s
                    ELSE (%(open)s::bigint[])[1 + mod(g, %(open_count)s)] END,
               (1 + mod(g, 500)) * 1000, CASE WHEN mod(g, 10) = 9 THEN 'EUR' ELSE 'RUB' END,
               '', '', '', created + (1 + mod(g, 5)) * interval '9 days',
               CASE WHEN mod(g, 10) < 6 THEN created + (1 + mod(g, 5)) * interval '9 days' END,
               g, (created + interval '60 days')::date, %(first)s + c
        FROM (SELECT g, mod(g::bigint * 7919, %(contacts)s) AS c,
                     now() - mod(g, 730) * interval '1 day' - mod(g, 24) * interval '1 hour'
                         AS created
              FROM generate_series(1, %(count)s) g) AS s""",
        {
            "owners": owners,
            "teams": teams,
            "pipeline": pipeline.pk,
            "won": flow[-1],
            "lost": lost,
            "open": flow[:-1],
            "open_count": len(flow) - 1,
            "first": first,
            "contacts": sizes["contacts"],
            "count": sizes["deals"],
        },
    )
    # stage history: each stage a deal went through, nine days apart (lost: after 1-3 stages)
    run(
        """INSERT INTO crm_core_dealmove (deal_id, from_stage_id, to_stage_id, moved_at,
            moved_by_id)
        SELECT d.id, NULL,
               CASE WHEN s.is_lost AND k = path.n - 1 THEN d.stage_id
                    ELSE (%(flow)s::bigint[])[1 + k] END,
               d.created_at + k * interval '9 days', NULL
        FROM crm_core_deal d JOIN crm_core_pipelinestage s ON s.id = d.stage_id
        CROSS JOIN LATERAL (
            SELECT CASE WHEN s.is_lost THEN 2 + mod(d.id, 3)
                        ELSE array_position(%(flow)s::bigint[], d.stage_id) END AS n
        ) AS path
        CROSS JOIN LATERAL generate_series(0, path.n - 1) AS k""",
        {"flow": flow},
    )
    run(
        """INSERT INTO crm_core_interaction (contact_id, channel, direction, occurred_at,
            subject, notes, created_at, created_by_id)
        SELECT %(first)s + mod(g, %(contacts)s),
               (ARRAY['call', 'meeting', 'email', 'letter'])[1 + mod(g, 4)], 'outbound',
               now() - mod(g, 730) * interval '1 day', 'Bench', '', now(),
               (%(owners)s::bigint[])[1 + mod(mod(g, %(contacts)s), 40)]
        FROM generate_series(1, %(count)s) g""",
        {
            "first": first,
            "contacts": sizes["contacts"],
            "owners": owners,
            "count": sizes["interactions"],
        },
    )
    run(
        """INSERT INTO crm_core_order (owner_id, team_id, created_at, updated_at, version, number,
            contact_id, status, source, currency, total, notes, shipping_address,
            payment_method, placed_at, paid_at)
        SELECT (%(owners)s::bigint[])[1 + mod(c, 40)], (%(teams)s::bigint[])[1 + mod(c, 40)],
               at, at, 1, 'B' || g, %(first)s + c,
               CASE WHEN mod(g, 10) < 7 THEN 'delivered' WHEN mod(g, 10) = 7 THEN 'paid'
                    WHEN mod(g, 10) = 8 THEN 'cancelled' ELSE 'draft' END,
               'staff', CASE WHEN mod(g, 20) = 0 THEN 'EUR' ELSE 'RUB' END,
               (1 + mod(g, 300)) * 100, '', '', '', at, CASE WHEN mod(g, 10) < 8 THEN at END
        FROM (SELECT g, mod(g * 7, %(contacts)s) AS c, now() - mod(g, 730) * interval '1 day' AS at
              FROM generate_series(1, %(count)s) g) AS s""",
        {
            "owners": owners,
            "teams": teams,
            "first": first,
            "contacts": sizes["contacts"],
            "count": sizes["orders"],
        },
    )
    run(
        """INSERT INTO crm_core_orderline (order_id, product_id, quantity, unit_price, total)
        SELECT o.id, (%(products)s::bigint[])[1 + mod(o.id * (k + 3), %(product_count)s)],
               1 + k, 100, (1 + k) * 100
        FROM crm_core_order o CROSS JOIN generate_series(0, 2) AS k""",
        {"products": products, "product_count": len(products)},
    )
    for table in ("contact", "deal", "dealmove", "interaction", "order", "orderline"):
        run(f"ANALYZE crm_core_{table}")
    counted = {
        table: _scalar(f"SELECT count(*) FROM crm_core_{table}")  # noqa: S608 - our table names
        for table in ("contact", "deal", "dealmove", "interaction", "order", "orderline")
    }
    counted["seconds"] = time.perf_counter() - started
    return counted


def _scalar(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def timed(work) -> tuple[list[float], list[tuple[str, tuple]]]:
    """Durations of `work()` (after one warm-up run) and the SQL it ran the last time."""
    durations: list[float] = []
    statements: list[tuple[str, tuple]] = []
    for attempt in range(REPEATS + 1):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            work()
            elapsed = time.perf_counter() - started
        if attempt:
            durations.append(elapsed)
        statements = [(query["sql"], ()) for query in queries.captured_queries]
    return durations, statements


def sql_alone(statements: list[tuple[str, tuple]]) -> list[float]:
    """The same SQL (as captured, parameters inlined), run alone on the connection."""
    heavy = []
    for sql, _ in statements:
        if sql.startswith(("SET ", "SAVEPOINT", "RELEASE", "FETCH", "CLOSE")):
            continue
        declared = re.match(r'DECLARE "[^"]+" .*?CURSOR .*?FOR (.*)', sql, re.DOTALL)
        heavy.append(declared.group(1) if declared else sql)
    durations = []
    with connection.cursor() as cursor:
        for attempt in range(REPEATS + 1):
            started = time.perf_counter()
            for sql in heavy:
                cursor.execute(sql)
                cursor.fetchall() if cursor.description else None
            if attempt:
                durations.append(time.perf_counter() - started)
    return durations


def main(scale: float) -> None:
    rows: list[tuple[str, str, list[float], list[float] | None]] = []
    with throwaway_database("bench_analytics"):
        owner = company_signup(SCHEMA, plan="business")
        with schema_context(SCHEMA):
            teams = [Team.objects.create(name=f"Team {i}") for i in range(5)]
            reps = [
                user_create(
                    email=f"rep{i}@bench.test",
                    full_name=f"Rep {i}",
                    password=None,
                    role=Role.SALES_REP,
                    team=teams[i % 5],
                )
                for i in range(40)
            ]
            exchange_rate_add(currency="EUR", valid_from=date(2020, 1, 1), rate=100)
            price_list_save(
                price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
            )
            products = [
                product_save(
                    product=None,
                    data={
                        "sku": f"P{i}",
                        "name": f"Product {i}",
                        "cost_price": 60 if i % 2 else None,
                    },
                ).pk
                for i in range(200)
            ]
            pipeline = Pipeline.objects.get()
            counted = load(scale, reps, pipeline, products)
            started = time.perf_counter()
            scored = client_values_rescore()
            scoring = time.perf_counter() - started
            today = timezone.localdate()
            this_month, last_12 = preset("this_month", today), preset("last_12_months", today)
            year = preset("this_year", today)
            rep = reps[0]
            for who, user in (("owner", owner), ("rep", rep)):
                for key, metric in BUILTIN.items():
                    for label, period, groupings in (
                        ("month", this_month, ()),
                        ("12 months by month", last_12, ("month",)),
                    ):
                        durations, statements = timed(
                            lambda metric=metric, period=period, groupings=groupings, user=user: (
                                evaluate(metric, user=user, period=period, groupings=groupings)
                            )
                        )
                        rows.append((who, f"{key}, {label}", durations, sql_alone(statements)))
                durations, statements = timed(
                    lambda user=user: funnel(
                        user=user, pipeline=pipeline, period=year, scope=Scope()
                    )
                )
                rows.append((who, "funnel, this year", durations, sql_alone(statements)))
                ahead = Period(
                    today.replace(day=1), today.replace(day=1).replace(year=today.year + 1)
                )
                durations, statements = timed(
                    lambda user=user, ahead=ahead: forecast(user=user, period=ahead, scope=Scope())
                )
                rows.append((who, "forecast, 12 months ahead", durations, sql_alone(statements)))
                for name, query in REPORTS:
                    spec = report_spec(QueryDict(query), user=user)
                    durations, statements = timed(lambda spec=spec, user=user: spec.evaluate(user))
                    rows.append((who, name, durations, sql_alone(statements)))
            client = Client(HTTP_HOST=f"{SCHEMA}.localhost")
            client.force_login(owner)
        connection.set_schema_to_public()
        home = []
        for _ in range(4):
            started = time.perf_counter()
            response = client.get("/")
            home.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"home page: {response.status_code}")
    print(
        f"Scale {scale}: contacts {counted['contact']:,}, deals {counted['deal']:,}, stage changes "
        f"{counted['dealmove']:,}, interactions {counted['interaction']:,}, orders "
        f"{counted['order']:,}, order lines {counted['orderline']:,} (loaded in "
        f"{counted['seconds']:.0f} s); 40 reps in 5 teams; clients scored: {scored:,} in "
        f"{scoring:.0f} s"
    )
    print(f"{'who':<7}{'figure':<48}{'p50':>8}{'p95':>8}{'SQL p50':>9}  ms")
    for who, name, durations, alone in rows:
        floor = f"{statistics.median(alone) * 1000:9.1f}" if alone else f"{'—':>9}"
        print(
            f"{who:<7}{name:<48}{statistics.median(durations) * 1000:8.1f}"
            f"{percentile(durations, 0.95) * 1000:8.1f}{floor}"
        )
    print(
        "owner's home dashboard (12 tiles), whole page: "
        + ", ".join(f"{duration * 1000:.0f}" for duration in home)
        + " ms"
    )
    print(
        "target: every tile and the funnel p95 < 300 ms; the report builder's grouped queries < 1 s"
    )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
