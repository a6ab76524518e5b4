# ruff: noqa: S608 - only fixed SQL and placeholders are joined; values travel as parameters
"""The lexicon of the PostgreSQL backend (`search_word`, one table per tenant schema): every word
of the entries with how many entries hold it, among contacts and companies and among the other
records. Two questions are answered from it: how many entries a query's words are likely to
match (a common word is looked up newest first instead of through its whole posting list), and
which existing words a misspelt one was meant to be (trigram distance over tens of thousands of
words instead of millions of names).

It is rebuilt from the entries' tsvectors (`lexicon_rebuild`, a minute for four million
entries) by the periodic repair when the table has grown or shrunk by a tenth, and by a full
reindex; words of newly indexed names are added at once (`lexicon_add`), so a name typed with a
typo is found right after it was saved."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from search.models import SearchLexicon, SearchWord

# contacts and companies, as the partial indexes' predicates have it (search/migrations/0003)
PARTIES = "(kind = 'contact' OR kind = 'company')"
PARTY_KINDS = ("contact", "company")
LETTERS = re.compile(r"[^\W\d_]{2,}")
COUNTED_BELOW = 100_000  # entries counted exactly, not estimated (a few milliseconds)
STALE_SHARE = 0.1  # rebuilt when the entries grew or shrank by this share since the last build
# a lexeme split into its runs of letters (digits and punctuation separate them), so that the
# letters of "ivanova2" or "person7@client.test" count as words
SPLIT = r"'[[:digit:][:punct:][:space:]]+'"
REBUILD = f"""
INSERT INTO search_word (word, parties, records)
SELECT part, least(sum(parties), 2147483647), least(sum(records), 2147483647) FROM (
    SELECT part, ndoc AS parties, 0 AS records
    FROM ts_stat('SELECT document FROM search_entry WHERE {PARTIES.replace("'", "''")}'),
         regexp_split_to_table(word, {SPLIT}) AS part
    UNION ALL
    SELECT part, 0, ndoc
    FROM ts_stat('SELECT document FROM search_entry WHERE NOT {PARTIES.replace("'", "''")}'),
         regexp_split_to_table(word, {SPLIT}) AS part
) words
WHERE length(part) >= 2
GROUP BY part
"""


def _entries_estimate(cursor) -> int:
    """How many entries there are: the planner's row count for a big table (kept by
    autovacuum; no scan), counted for a small one, whose row count may be from when it was
    empty or never analysed at all."""
    cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'search_entry'::regclass")
    estimate = cursor.fetchone()[0]
    if estimate < COUNTED_BELOW:
        cursor.execute("SELECT count(*) FROM search_entry")
        estimate = cursor.fetchone()[0]
    return estimate


def lexicon_rebuild() -> int:
    """Count every word of the entries again; readers keep the old lexicon until the commit.
    Returns the number of words."""
    with transaction.atomic(), connection.cursor() as cursor:
        entries = _entries_estimate(cursor)  # the measure lexicon_is_stale compares with
        cursor.execute("DELETE FROM search_word")
        cursor.execute(REBUILD)
        words = cursor.rowcount
        SearchLexicon.objects.all().delete()
        SearchLexicon.objects.create(built_at=timezone.now(), entries=entries)
    return words


def lexicon_is_stale() -> bool:
    built = SearchLexicon.objects.first()
    with connection.cursor() as cursor:
        entries = _entries_estimate(cursor)
    if built is None:
        return entries > 0
    return abs(entries - built.entries) > max(STALE_SHARE * built.entries, 1000)


def words_of(text: str) -> set[str]:
    return set(LETTERS.findall(text.lower()))


def lexicon_add(parties: Iterable[str], records: Iterable[str]) -> None:
    """The words of newly indexed names and titles, as rare ones (their counts come with the
    next rebuild); words already known keep their counts."""
    known = {word: True for text in parties for word in words_of(text)}
    for text in records:
        for word in words_of(text):
            known.setdefault(word, False)
    if not known:
        return
    SearchWord.objects.bulk_create(
        [
            SearchWord(word=word, parties=int(is_party), records=int(not is_party))
            for word, is_party in sorted(known.items())
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
