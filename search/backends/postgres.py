# ruff: noqa: S608 - only fixed SQL and placeholders are joined; values travel as parameters
"""The PostgreSQL backend: the tenant's `search_entry` table (see search/models.py and its
migrations). Matches are found through three indexes at once (words in the tsvector, the name
by trigram similarity for typos, identifiers by substring), ranked, and counted per facet."""

from __future__ import annotations

from django.db import connection, transaction

from search.backends.base import (
    CANDIDATES,
    FACETS,
    PAGE_SIZE,
    Hit,
    Scope,
    SearchFilters,
    SearchResults,
    hit_make,
)
from search.documents import SearchDocument
from search.models import SearchEntry
from search.query import ParsedQuery, tsquery_text

SIMILARITY = "0.4"  # pg_trgm word similarity that still counts as the name (a typo or two)
UPDATED = [
    field.name
    for field in SearchEntry._meta.concrete_fields
    if field.name not in ("id", "kind", "object_id")
]
PARTIES = "(kind = 'contact' OR kind = 'company')"  # the predicate of the partial name indexes
COLUMNS = (
    "kind, object_id, title, subtitle, body, contact_id, company_id, channel, occurred_at, "
    "owner_id, segment_id, stage_id"
)


def _where(filters: SearchFilters, scope: Scope) -> tuple[list[str], list]:
    where, params = [], []
    if not filters.include_archived:
        where.append("NOT archived")
    if not scope.everything:
        if scope.team_id:
            where.append("(owner_id = %s OR team_id = %s)")
            params += [scope.owner_id, scope.team_id]
        else:
            where.append("owner_id = %s")
            params.append(scope.owner_id)
    for column, value in filters.chosen().items():
        where.append(f"{column} = %s")
        params.append(value)
    return where, params


def _like(fragment: str) -> str:
    return "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class PostgresBackend:
    name = "postgresql"

    def upsert(self, documents: list[SearchDocument]) -> None:
        SearchEntry.objects.bulk_create(
            [SearchEntry(**document.as_dict()) for document in documents],
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=UPDATED,
            batch_size=1000,
        )

    def delete(self, kind: str, ids: list[int]) -> None:
        SearchEntry.objects.filter(kind=kind, object_id__in=ids).delete()

    def stale_delete(self, *, before) -> None:
        SearchEntry.objects.filter(indexed_at__lt=before).delete()

    def query(
        self, parsed: ParsedQuery, *, filters: SearchFilters, scope: Scope, page: int = 1
    ) -> SearchResults:
        results = SearchResults(page=page, backend=self.name)
        if parsed.is_empty:
            return results
        where, params = _where(filters, scope)
        if parsed.is_short:
            return self._prefix(parsed, where, params, results)
        # the words as typed first; the other spellings, then names with typos, only when the
        # stage before found nothing (cheaper on big tables, and a near miss never crowds out
        # an exact hit)
        for stage in ("typed", "spelt", "typos"):
            matching = self._matching(parsed, stage)
            if matching[0]:
                self._run(parsed, matching, where, params, results, trigrams=stage == "typos")
                if results.total:
                    break
        return results

    def _run(self, parsed, matching, where, params, results: SearchResults, trigrams: bool) -> None:
        matches, score, match_params, score_params = matching
        sql = f"""
            WITH candidates AS MATERIALIZED (
                SELECT {COLUMNS}, {score} AS score FROM search_entry
                WHERE ({" OR ".join(matches)}) {"AND " + " AND ".join(where) if where else ""}
                LIMIT {CANDIDATES + 1}
            )
            SELECT * FROM (
                SELECT {COLUMNS}, score, NULL::text AS facet, NULL::text AS value, 0 AS count
                FROM candidates ORDER BY score DESC, occurred_at DESC, object_id DESC
                LIMIT %s OFFSET %s
            ) page
            UNION ALL
            SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   CASE WHEN GROUPING(kind) = 0 THEN 'kind'
                        WHEN GROUPING(channel) = 0 THEN 'channel'
                        WHEN GROUPING(owner_id) = 0 THEN 'owner_id'
                        WHEN GROUPING(segment_id) = 0 THEN 'segment_id'
                        ELSE 'stage_id' END,
                   COALESCE(kind, channel, owner_id::text, segment_id::text, stage_id::text),
                   count(*)
            FROM candidates
            GROUP BY GROUPING SETS ((kind), (channel), (owner_id), (segment_id), (stage_id))
        """
        offset = (results.page - 1) * PAGE_SIZE
        with transaction.atomic(), connection.cursor() as cursor:
            # Every match condition is backed by an index, but the planner misjudges how many
            # rows a prefix tsquery or a substring matches: at millions of entries it would
            # pick a sequential scan under the LIMIT, which reads the whole table when only a
            # few rows match (bench/search.py). Within this transaction only.
            cursor.execute("SET LOCAL enable_seqscan = off")
            if trigrams:  # the threshold of the <% operator the typo stage uses
                cursor.execute(
                    "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
                    [SIMILARITY],
                )
            cursor.execute(sql, [*score_params, *match_params, *params, PAGE_SIZE + 1, offset])
            rows = cursor.fetchall()
        facets: dict[str, list] = {name: [] for name in FACETS}
        for row in rows:
            if row[13] is None:
                results.hits.append(self._hit(row, parsed))
            elif row[14] not in (None, ""):
                value = row[14] if row[13] in ("kind", "channel") else int(row[14])
                facets[row[13]].append((value, row[15]))
        for values in facets.values():
            values.sort(key=lambda item: -item[1])
        results.facets = facets
        results.total = sum(count for _value, count in facets["kind"])
        results.total_is_capped = results.total > CANDIDATES
        results.total = min(results.total, CANDIDATES)
        results.hits.sort(key=lambda hit: (-hit.score, -hit.occurred_at.timestamp()))
        results.has_next = len(results.hits) > PAGE_SIZE
        results.hits = results.hits[:PAGE_SIZE]

    def _matching(self, parsed: ParsedQuery, stage: str) -> tuple[list[str], str, list, list]:
        """The OR of what matches (each backed by an index) and the score that ranks it: the
        words and identifiers as typed, the words as spelt another way, or the names of
        contacts and companies by trigram similarity (typos)."""
        matches, match_params = [], []
        scores, score_params = ["CASE WHEN kind IN ('contact', 'company') THEN 0.1 ELSE 0 END"], []
        every = {"typed": (parsed.words,), "spelt": parsed.alternatives, "typos": ()}[stage]
        queries = [tsquery_text(words) for words in every if words]
        if queries:
            tsquery = " || ".join(
                f"to_tsquery('{config}', %s)"
                for _query in queries
                for config in ("simple", "russian", "english")
            )
            tsquery_params = [query for query in queries for _config in range(3)]
            matches.append(f"document @@ ({tsquery})")
            match_params += tsquery_params
            scores.append(f"ts_rank(document, ({tsquery}), 1)")
            score_params += tsquery_params
        for words in (parsed.words, *parsed.alternatives) if stage == "typos" else ():
            phrase = " ".join(words)
            if len(phrase) >= 3:
                matches.append(f"(%s <%% name AND {PARTIES})")
                match_params.append(phrase)
                scores.append("word_similarity(%s, name)")
                score_params.append(phrase)
        if parsed.key and stage == "typed":
            matches.append("keys LIKE %s")
            match_params.append(_like(parsed.key))
            scores.append("CASE WHEN keys LIKE %s THEN 2 ELSE 0 END")
            score_params.append(_like(parsed.key))
        return matches, " + ".join(scores), match_params, score_params

    def _prefix(self, parsed, where, params, results: SearchResults) -> SearchResults:
        """One or two letters: contacts and companies whose name or surname starts so."""
        like = parsed.words[0].replace("_", "\\_") + "%"
        condition = " AND ".join(["kind IN ('contact', 'company')", *where])
        offset = (results.page - 1) * PAGE_SIZE
        parts = [
            f"""(SELECT {COLUMNS}, 1.0 AS score, {column} AS sort_key FROM search_entry
                WHERE {column} LIKE %s AND {condition} ORDER BY {column}
                LIMIT {PAGE_SIZE + 1 + offset})"""
            for column in ("name", "name_alt")
        ]
        sql = (
            f"SELECT DISTINCT ON (sort_key, kind, object_id) * FROM ({' UNION ALL '.join(parts)}) "
            f"found ORDER BY sort_key, kind, object_id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [like, *params, like, *params, PAGE_SIZE + 1, offset])
            rows = cursor.fetchall()
        seen, hits = set(), []
        for row in rows:
            if (row[0], row[1]) not in seen:
                seen.add((row[0], row[1]))
                hits.append(self._hit(row, parsed))
        results.has_next = len(hits) > PAGE_SIZE
        results.hits = hits[:PAGE_SIZE]
        results.total = len(results.hits) + (results.page - 1) * PAGE_SIZE
        results.total_is_capped = results.has_next
        return results

    @staticmethod
    def _hit(row, parsed: ParsedQuery) -> Hit:
        return hit_make(
            parsed,
            kind=row[0],
            object_id=row[1],
            title=row[2],
            subtitle=row[3],
            body=row[4],
            contact_id=row[5],
            company_id=row[6],
            channel=row[7],
            occurred_at=row[8],
            score=float(row[12]),
        )
