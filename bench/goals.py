"""Goals and bonus statements at scale: 500 people with 20 monthly goals each (10,000 goals)
over (at scale 1) 1,000,000 deals, 2,000,000 orders and 1,000,000 interactions in one company.

Times, beside the physical limit of the same work (the SQL alone on the connection):
- the refresh of every attainment after a burst of 10,000 deals written (the target: within
  5 s of the burst; the refresh is queued one second after the first write);
- closing a month: the statements of 500 people (the target: under 30 s);
- the cockpit (500 people x 20 KPIs), p95 (the target: under 300 ms).
Usage: `python bench/goals.py [scale]` (scale 1 = the sizes above; 0.1 for a quick look);
`BENCH_PROFILE=refresh` or `=cockpit` prints where that one spends its time (cProfile).
"""

from __future__ import annotations

import cProfile
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal

from common import (  # noqa: E402
    company_signup,
    percentile,
    throwaway_database,
    time_requests,
)
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from crm_core.analytics.metrics import BUILTIN  # noqa: E402
from crm_core.deals.models import Pipeline  # noqa: E402
from crm_core.goals.models import Goal, Statement  # noqa: E402
from crm_core.goals.motivation import plan_approve, plan_save, statements_close  # noqa: E402
from crm_core.goals.periods import goal_period  # noqa: E402
from crm_core.goals.services import goals_refresh_all  # noqa: E402
from tenants.identity.models import Team, TeamMembership, User  # noqa: E402
from tenants.identity.roles import Role  # noqa: E402

SCHEMA = "goalbench"
PEOPLE = 500
BURST = 10_000
REPEATS = 60
# the 20 metrics each person has a monthly goal on (counts and sums grow with the records)
METRICS = list(BUILTIN)[:20]


def run(sql: str, params: dict | list | tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def scalar(sql: str):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def people_make(owner: User) -> list[User]:
    teams = [Team.objects.create(name=f"Team {index}") for index in range(25)]
    password = owner.password
    User.objects.bulk_create(
        User(
            email=f"rep{index}@{SCHEMA}.test",
            full_name=f"Rep {index:03d}",
            role=Role.SALES_REP,
            team=teams[index % len(teams)],
            password=password,
            date_joined=timezone.now() - timedelta(days=800),
        )
        for index in range(PEOPLE)
    )
    people = list(User.objects.filter(role=Role.SALES_REP).order_by("pk"))
    since = timezone.localdate() - timedelta(days=800)
    TeamMembership.objects.bulk_create(
        TeamMembership(user=person, team_id=person.team_id, started_on=since) for person in people
    )
    return people


def load(scale: float, people: list[User], pipeline: Pipeline) -> dict:
    sizes = {
        "deals": int(1_000_000 * scale),
        "orders": int(2_000_000 * scale),
        "interactions": int(1_000_000 * scale),
    }
    owners = [person.pk for person in people]
    teams = [person.team_id for person in people]
    stages = pipeline.stages.order_by("position")
    won = stages.get(is_won=True).pk
    lost = stages.get(is_lost=True).pk
    started = time.perf_counter()
    run(
        """INSERT INTO crm_core_contact (created_at, updated_at, version, owner_id, team_id,
            emails, phones, notes, segment_values, first_name, last_name, position,
            preferred_channel, language, consent_email, consent_sms, consent_calls, is_vip)
        SELECT now(), now(), 1, (%(owners)s::bigint[])[1 + mod(g, %(n)s)],
               (%(teams)s::bigint[])[1 + mod(g, %(n)s)], '{}', '{}', '', '{}', 'Client',
               g::text, '', '', '', false, false, false, false
        FROM generate_series(1, 10000) g""",
        {"owners": owners, "teams": teams, "n": len(owners)},
    )
    first = scalar("SELECT min(id) FROM crm_core_contact")
    deal_sql = """INSERT INTO crm_core_deal (owner_id, team_id, created_at, updated_at, version,
            title, pipeline_id, stage_id, amount, currency, description, lost_reason,
            forecast_category, stage_entered_at, closed_at, board_position, expected_close,
            contact_id)
        SELECT (%(owners)s::bigint[])[1 + mod(g, %(n)s)], (%(teams)s::bigint[])[1 + mod(g, %(n)s)],
               at, at, 1, 'Deal ' || g, %(pipeline)s,
               CASE WHEN mod(g, 10) < 3 THEN %(won)s WHEN mod(g, 10) < 6 THEN %(lost)s
                    ELSE %(won)s END,
               (1 + mod(g, 500)) * 1000, 'RUB', '', '', '', at,
               CASE WHEN mod(g, 10) < 6 THEN at END, g, at::date, %(first)s + mod(g, 10000)
        FROM (SELECT g, now() - mod(g, %(days)s) * interval '1 day' AS at
              FROM generate_series(1, %(count)s) g) AS s"""
    run(
        deal_sql,
        {
            "owners": owners,
            "teams": teams,
            "n": len(owners),
            "pipeline": pipeline.pk,
            "won": won,
            "lost": lost,
            "first": first,
            "days": 730,
            "count": sizes["deals"],
        },
    )
    run(
        """INSERT INTO crm_core_order (owner_id, team_id, created_at, updated_at, version, number,
            contact_id, status, source, currency, total, notes, shipping_address,
            payment_method, placed_at, paid_at)
        SELECT (%(owners)s::bigint[])[1 + mod(g, %(n)s)], (%(teams)s::bigint[])[1 + mod(g, %(n)s)],
               at, at, 1, 'G' || g, %(first)s + mod(g, 10000),
               CASE WHEN mod(g, 10) < 8 THEN 'delivered' ELSE 'cancelled' END, 'staff', 'RUB',
               (1 + mod(g, 300)) * 100, '', '', '', at, CASE WHEN mod(g, 10) < 8 THEN at END
        FROM (SELECT g, now() - mod(g, 730) * interval '1 day' AS at
              FROM generate_series(1, %(count)s) g) AS s""",
        {
            "owners": owners,
            "teams": teams,
            "n": len(owners),
            "first": first,
            "count": sizes["orders"],
        },
    )
    run(
        """INSERT INTO crm_core_interaction (contact_id, channel, direction, occurred_at,
            subject, notes, created_at, created_by_id)
        SELECT %(first)s + mod(g, 10000), (ARRAY['call', 'meeting', 'email'])[1 + mod(g, 3)],
               'outbound', now() - mod(g, 730) * interval '1 day', 'Bench', '', now(),
               (%(owners)s::bigint[])[1 + mod(g, %(n)s)]
        FROM generate_series(1, %(count)s) g""",
        {"first": first, "owners": owners, "n": len(owners), "count": sizes["interactions"]},
    )
    for table in ("contact", "deal", "order", "interaction"):
        run(f"ANALYZE crm_core_{table}")
    sizes["seconds"] = round(time.perf_counter() - started, 1)
    sizes["_burst"] = deal_sql
    sizes["_burst_params"] = {
        "owners": owners,
        "teams": teams,
        "n": len(owners),
        "pipeline": pipeline.pk,
        "won": won,
        "lost": lost,
        "first": first,
        "days": 1,
        "count": BURST,
    }
    return sizes


def goals_make(owner: User, people: list[User]) -> int:
    month = goal_period("month", timezone.localdate())
    Goal.objects.bulk_create(
        Goal(
            metric=metric,
            level=Goal.Level.PERSON,
            person=person,
            period_kind="month",
            period_start=month.start,
            period_end=month.end,
            target=Decimal(100 + index),
            created_by=owner,
        )
        for person in people
        for index, metric in enumerate(METRICS)
    )
    return Goal.objects.count()


def sql_alone(statements: list[str]) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()
    return time.perf_counter() - started


def timed_once(work) -> tuple[float, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    del result
    return seconds, statements


def main(scale: float) -> None:
    with throwaway_database("tenantly_bench_goals"):
        owner = company_signup(SCHEMA, plan="business")
        with schema_context(SCHEMA):
            people = people_make(owner)
            sizes = load(scale, people, Pipeline.objects.first())
            goals = goals_make(owner, people)
            burst_sql, burst_params = sizes.pop("_burst"), sizes.pop("_burst_params")
            print(
                f"sizes: {PEOPLE} people, {goals:,} goals ({len(METRICS)} metrics each), "
                f"{sizes['deals']:,} deals, {sizes['orders']:,} orders, "
                f"{sizes['interactions']:,} interactions (loaded in {sizes['seconds']} s)"
            )
            goals_refresh_all()  # the first refresh, as after the goals were set
            run(burst_sql, burst_params)
            if os.environ.get("BENCH_PROFILE") == "refresh":  # where the refresh spends its time
                cProfile.runctx("goals_refresh_all()", globals(), locals(), sort="cumulative")
                run(burst_sql, burst_params)
            seconds, statements = timed_once(goals_refresh_all)
            print(
                f"refresh of every attainment after {BURST:,} deals written: {seconds:.2f} s "
                f"({len(statements)} reads; the SQL alone {sql_alone(statements):.2f} s)"
            )
            month = goal_period("month", timezone.localdate().replace(day=1) - timedelta(days=1))
            plan = plan_save(
                actor=owner,
                data={
                    "name": "Bench plan",
                    "basis": "won",
                    "effective_from": month.start - timedelta(days=400),
                    "roles": [Role.SALES_REP],
                    "components": [
                        {
                            "kind": "commission",
                            "name": "Commission",
                            "tiers": [
                                {"from": 0, "to": 100_000, "rate": 2},
                                {"from": 100_000, "rate": 4},
                            ],
                        }
                    ],
                },
            )
            plan_approve(actor=owner, plan=plan)
            seconds, statements = timed_once(lambda: statements_close(actor=owner, period=month))
            closed = Statement.objects.filter(period_start=month.start).count()
            print(
                f"closing {month.start:%Y-%m}: {closed} statements in {seconds:.2f} s "
                f"({len(statements)} reads; the SQL alone {sql_alone(statements):.2f} s)"
            )
            # the close wrote thousands of rows: let PostgreSQL settle them (as autovacuum would)
            # before the cockpit is timed, so its figures are the page's and not the cleanup's
            for table in ("goal", "goalprogress", "statement", "statementline"):
                run(f"VACUUM ANALYZE crm_core_{table}")
            client = Client(HTTP_HOST=f"{SCHEMA}.localhost")
            client.force_login(owner)
            path = "/goals/cockpit/"
            if os.environ.get("BENCH_PROFILE") == "cockpit":  # where a cockpit page goes
                client.get(path)
                cProfile.runctx("client.get(path)", globals(), locals(), sort="tottime")
            durations = time_requests(client, [("cockpit", path)], REPEATS)["cockpit"]
            _seconds, statements = timed_once(lambda: client.get(path))
            middle = statistics.median(durations) * 1000
            print(
                f"cockpit ({PEOPLE} x {len(METRICS)}): p50 {middle:.0f} ms, "
                f"p95 {percentile(durations, 0.95) * 1000:.0f} ms "
                f"({len(statements)} reads; the SQL alone {sql_alone(statements) * 1000:.0f} ms)"
            )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
