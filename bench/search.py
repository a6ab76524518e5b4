"""Search with C contacts and I interactions in one tenant (default 1,000,000 and 3,000,000),
PostgreSQL backend.

Contacts and interactions are loaded with COPY, and their search entries are written in SQL
in the shape search/documents.py gives them (building four million documents in Python
would take longer than the benchmark). Then it replays 1,000 varied queries (one- and
two-letter prefixes, names, typos, the wrong keyboard layout, phones in several formats,
emails, phrases from notes) through `search.selectors.query` as the owner and as a sales rep,
and prints p50/p95/p99 per kind and overall. Last, it changes 5,000 contacts and 5,000
interactions with one UPDATE each and times the drain of the queue the triggers filled
(records per second), the path every change takes.

Usage: `python bench/search.py [CONTACTS] [INTERACTIONS]` (`BENCH_KEEP=1` keeps the loaded
database for the next run, which then skips the load).
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict

from common import company_exists, company_signup, percentile, throwaway_database  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from search.lexicon import lexicon_rebuild  # noqa: E402
from search.selectors import query  # noqa: E402
from search.services import changes_index  # noqa: E402
from tenants.identity.models import User  # noqa: E402
from tenants.identity.roles import Role  # noqa: E402
from tenants.identity.services.users import user_create  # noqa: E402

FIRST = ["Анна", "Иван", "Мария", "Пётр", "Ольга", "Сергей", "Елена", "Дмитрий", "Olga", "John"]
LAST = [
    "Иванова",
    "Петров",
    "Кузнецова",
    "Соколов",
    "Волкова",
    "Морозов",
    "Smith",
    "Brown",
    "Лебедева",
    "Новиков",
    "Козлова",
    "Фёдоров",
    "Орлова",
    "Зайцев",
    "Павлова",
    "Семёнов",
]
WORDS = [
    "договор",
    "поставка",
    "счёт",
    "оплата",
    "арматура",
    "склад",
    "доставка",
    "скидка",
    "встреча",
    "презентация",
    "warehouse",
    "invoice",
    "shelving",
    "delivery",
    "контракт",
]
LOAD = """
INSERT INTO crm_core_contact (first_name, last_name, emails, phones, position, language,
    preferred_channel, notes, consent_email, consent_sms, consent_calls, is_vip, segment_values,
    owner_id, team_id, created_at, updated_at, version)
SELECT (%(first)s::text[])[1 + i %% 10], (%(last)s::text[])[1 + (i / 10) %% 16] || i / 160,
    ARRAY['person' || i || '@client' || i %% 97 || '.test'],
    ARRAY['+7916' || lpad(i::text, 7, '0')], '', '', '', '', false, false, false, false, '{}',
    CASE WHEN i %% 10 = 0 THEN %(rep)s ELSE %(owner)s END, NULL, now(), now(), 1
FROM generate_series(1, %(contacts)s) i;
INSERT INTO crm_core_interaction (contact_id, channel, direction, occurred_at, subject, notes,
    created_at)
SELECT c.id, (ARRAY['call','email','meeting','letter'])[1 + g %% 4], 'outbound',
    now() - (g || ' minutes')::interval, 'Обсуждение ' || (%(words)s::text[])[1 + g %% 15],
    'Обсудили ' || (%(words)s::text[])[1 + g %% 15] || ' и '
        || (%(words)s::text[])[1 + (g / 15) %% 15]
        || ', клиент просил ' || (%(words)s::text[])[1 + (g / 7) %% 15] || ' к пятнице.',
    now()
FROM generate_series(1, %(interactions)s) g
JOIN crm_core_contact c ON c.id = 1 + g %% %(contacts)s;
INSERT INTO search_entry (kind, object_id, contact_id, company_id, owner_id, team_id, channel,
    title, subtitle, body, name, name_alt, keys, occurred_at, archived, indexed_at)
SELECT 'contact', c.id, c.id, NULL, c.owner_id, c.team_id, '', c.first_name || ' ' || c.last_name,
    '', '', lower(replace(c.first_name || ' ' || c.last_name, 'ё', 'е')),
    lower(replace(c.last_name || ' ' || c.first_name, 'ё', 'е')),
    c.emails[1] || ' ' || substr(c.phones[1], 2), c.updated_at, false, now()
FROM crm_core_contact c;
INSERT INTO search_entry (kind, object_id, contact_id, company_id, owner_id, team_id, channel,
    title, subtitle, body, name, name_alt, keys, occurred_at, archived, indexed_at)
SELECT 'interaction', i.id, c.id, NULL, c.owner_id, c.team_id, i.channel, i.subject,
    c.first_name || ' ' || c.last_name, i.notes, lower(i.subject), lower(i.subject), '',
    i.occurred_at, false, now()
FROM crm_core_interaction i JOIN crm_core_contact c ON c.id = i.contact_id;
TRUNCATE search_change;
"""


def queries(contacts: int) -> list[tuple[str, str]]:
    random.seed(11)
    letters = "абвгдеиклмнопрстaeiko"
    replay = []
    for index in range(1000):
        number = random.randrange(1, contacts)
        last = LAST[(number // 10) % 16]
        shape = index % 10
        if shape == 0:
            replay.append(("1-2 letters", "".join(random.choices(letters, k=1 + index % 20 // 10))))
        elif shape == 1:
            replay.append(("name", f"{last}{number // 160}"))
        elif shape == 2:
            typo = last[:2] + last[3:]
            replay.append(("typo", typo))
        elif shape == 3:
            layout = last.lower().translate(
                str.maketrans(
                    "йцукенгшщзхъфывапролджэячсмитьбюё", "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
                )
            )
            replay.append(("wrong layout", layout))
        elif shape == 4:
            digits = f"{number:07d}"
            replay.append(("phone", f"8 (916) {digits[:3]}-{digits[3:5]}-{digits[5:]}"))
        elif shape == 5:
            replay.append(("phone tail", f"{number:07d}"[-5:]))
        elif shape == 6:
            replay.append(("email", f"person{number}@client"))
        elif shape == 7:
            replay.append(("phrase", f"{random.choice(WORDS)} {random.choice(WORDS)}"))
        elif shape == 8:
            replay.append(("word", random.choice(WORDS)))
        else:
            replay.append(("name + first", f"{FIRST[number % 10]} {last}"))
    return replay


def load(owner: User, rep: User, contacts: int, interactions: int) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            LOAD,
            {
                "first": FIRST,
                "last": LAST,
                "words": WORDS,
                "owner": owner.pk,
                "rep": rep.pk,
                "contacts": contacts,
                "interactions": interactions,
            },
        )
        cursor.execute("VACUUM ANALYZE search_entry")
    lexicon_started = time.perf_counter()
    words = lexicon_rebuild()
    lexicon_seconds = time.perf_counter() - lexicon_started
    print(
        f"Loaded in {time.perf_counter() - started:.0f} s, of which the lexicon ({words:,} "
        f"words) {lexicon_seconds:.0f} s"
    )


def main(contacts: int, interactions: int) -> None:
    with throwaway_database("bench_search"):
        loaded = company_exists("searchbench")
        owner = None if loaded else company_signup("searchbench")
        with schema_context("searchbench"):
            if loaded:
                owner = User.objects.get(email="owner@searchbench.test")
                rep = User.objects.get(email="rep@search.test")
            else:
                rep = user_create(
                    email="rep@search.test",
                    full_name="Rep",
                    password="Bench-Password-2026",
                    role=Role.SALES_REP,
                )
                load(owner, rep, contacts, interactions)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FILTER (WHERE kind = 'contact'), "
                    "count(*) FILTER (WHERE kind = 'interaction'), count(*), "
                    "pg_size_pretty(pg_total_relation_size('search_entry')) FROM search_entry"
                )
                contacts, interactions, entries, size = cursor.fetchone()
            print(
                f"{contacts:,} contacts, {interactions:,} interactions: {entries:,} search "
                f"entries ({size})"
            )
            replay = queries(contacts)
            for user, label in ((owner, "owner (sees all)"), (rep, "sales rep (sees own)")):
                for text, _kind in [(q, k) for k, q in replay[:50]]:  # warm the caches
                    query(text, user=user)
                times: dict[str, list[float]] = defaultdict(list)
                for kind, text in replay:
                    began = time.perf_counter()
                    query(text, user=user)
                    times[kind].append((time.perf_counter() - began) * 1000)
                every = [value for values in times.values() for value in values]
                print(
                    f"\n{len(replay)} queries as {label}: p50 {percentile(every, 0.5):.1f} ms, "
                    f"p95 {percentile(every, 0.95):.1f} ms, p99 {percentile(every, 0.99):.1f} ms"
                )
                for kind, values in times.items():
                    print(
                        f"  {kind:<13} p50 {percentile(values, 0.5):6.1f}  "
                        f"p95 {percentile(values, 0.95):6.1f}  p99 {percentile(values, 0.99):6.1f}"
                    )
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE crm_core_contact SET position = 'Buyer' "
                    "WHERE id IN (SELECT id FROM crm_core_contact LIMIT 5000)"
                )
                cursor.execute(
                    "UPDATE crm_core_interaction SET notes = notes || ' (updated)' "
                    "WHERE id IN (SELECT id FROM crm_core_interaction LIMIT 5000)"
                )
            began = time.perf_counter()
            indexed = changes_index()
            spent = time.perf_counter() - began
            print(
                f"\nIndexing: {indexed:,} changed records drained and indexed in {spent:.1f} s "
                f"= {indexed / spent:,.0f} records/s"
            )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 3_000_000,
    )
