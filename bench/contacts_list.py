"""Contact list (page and API, 50 rows, filtered and sorted) with many contacts in one tenant.

Loads N contacts (default 1,000,000) with PostgreSQL COPY into a throwaway database, then
times real requests through Django (middleware, visibility rules, serialisation) as the owner
(sees all), a head of sales (team) and a sales rep (own). Prints p50/p95/p99 per scenario.
Usage: `python bench/contacts_list.py [N]` (needs a few GB of disk for 1M rows).
"""

from __future__ import annotations

import random
import statistics
import sys
import time

from common import company_signup, copy_rows, percentile, throwaway_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from crm_core.parties.models import LifecycleStage
from tenants.identity.models import Team, User  # noqa: E402
from tenants.identity.roles import Role  # noqa: E402
from tenants.identity.services.users import user_create  # noqa: E402

FIRST = [
    "Алексей",
    "Мария",
    "Дмитрий",
    "Екатерина",
    "Сергей",
    "Ольга",
    "James",
    "Emma",
    "Lukas",
    "Sofia",
    "Павел",
    "Наталья",
    "Андрей",
    "Татьяна",
    "Oliver",
    "Hannah",
]
LAST = [
    "Иванов",
    "Смирнова",
    "Кузнецов",
    "Попова",
    "Васильев",
    "Соколова",
    "Clarke",
    "Becker",
    "Lindqvist",
    "Turner",
    "Михайлов",
    "Новикова",
    "Фёдоров",
    "Морозова",
    "Schmidt",
    "Walsh",
]
REPEATS = 60


def load_contacts(schema: str, count: int, owners: list[User], stages: list[int]) -> float:
    rng = random.Random(42)  # noqa: S311 - benchmark data
    columns = (
        "first_name, last_name, position, emails, phones, preferred_channel, language, "
        "consent_email, consent_sms, consent_calls, is_vip, notes, owner_id, team_id, "
        "lifecycle_stage_id, segment_values, created_at, updated_at, version"
    )

    def lines():
        for index in range(count):
            owner = owners[index % len(owners)]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            stage = rng.choice(stages)
            created = f"2025-{1 + index % 12:02d}-{1 + index % 28:02d} 10:{index % 60:02d}:00+00"
            yield (
                f"{first}\t{last}{index % 997}\t\t{{c{index}@example.com}}\t"
                f"{{+7916{index:07d}}}\t\tru\tt\tf\tf\tf\t\t{owner.pk}\t"
                f"{owner.team_id or chr(92) + 'N'}\t{stage}\t{{}}\t{created}\t{created}\t1\n"
            )

    return copy_rows(f'"{schema}".crm_core_contact', columns, lines())


def timed(client: Client, path: str, params: dict | None = None) -> list[float]:
    durations = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(path, params or {})
        durations.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params}: {response.status_code}")
    return durations[5:]  # the first requests warm caches


def main(count: int) -> None:
    with throwaway_database("bench_contacts"):
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
            stages = list(LifecycleStage.objects.values_list("pk", flat=True))
            loaded = load_contacts("bench", count, staff, stages)
            rep = staff[0]
        connection.set_schema_to_public()
        print(
            f"Contacts in the tenant: {count:,} (loaded by COPY in {loaded:.0f} s, "
            f"{count / loaded:,.0f} rows/s), 40 owners in 5 teams"
        )
        rows = []
        for label, user in (
            ("owner (all)", owner),
            ("head of sales (team)", head),
            ("sales rep (own)", rep),
        ):
            client = Client(HTTP_HOST="bench.localhost")
            with schema_context("bench"):
                client.force_login(user)
            connection.set_schema_to_public()
            scenarios = [
                ("API, by name", "/api/v1/contacts/", {}),
                ("API, newest first", "/api/v1/contacts/", {"ordering": "-created_at"}),
                ("API, stage filter", "/api/v1/contacts/", {"lifecycle_stage": stages[1]}),
                ("API, by phone", "/api/v1/contacts/", {"q": "8 916 000 12 34"}),
                ("page, by name", "/contacts/", {}),
                (
                    "page, stage, newest",
                    "/contacts/",
                    {"lifecycle_stage": stages[2], "ordering": "-created_at"},
                ),
            ]
            if label.startswith("owner"):
                scenarios.append(("API, one owner's", "/api/v1/contacts/", {"owner": rep.pk}))
            for name, path, params in scenarios:
                durations = timed(client, path, params)
                rows.append((label, name, durations))
            page, depth = client.get("/api/v1/contacts/", {"page_size": 50}).json(), 1
            last = "/api/v1/contacts/?page_size=50"
            while page["next"] and depth < 20:  # follow the cursor up to 20 pages deep
                last = page["next"].split("bench.localhost", 1)[1]
                page, depth = client.get(last).json(), depth + 1
            rows.append((label, f"API, page {depth} by cursor", timed(client, last)))
    print(f"{'who':<22}{'request (50 rows)':<26}{'p50':>8}{'p95':>8}{'p99':>8}  ms")
    for label, name, durations in rows:
        print(
            f"{label:<22}{name:<26}{statistics.median(durations) * 1000:8.1f}"
            f"{percentile(durations, 0.95) * 1000:8.1f}{percentile(durations, 0.99) * 1000:8.1f}"
        )
    print("target: p95 < 100 ms for every row")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
