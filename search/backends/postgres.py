# ruff: noqa: S608 - only fixed SQL and placeholders are joined; values travel as parameters
"""The PostgreSQL backend: the tenant's `search_entry` table (see search/models.py and its
migrations). Matches are found by the words in the tsvector (through its GIN indexes, or newest
first when the lexicon says the words are common), by identifiers as lexeme prefixes or else
as substrings (trigram index), and by the lexicon's nearest words for typos; then ranked, and
counted per facet."""

from __future__ import annotations

from dataclasses import dataclass, field

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
from search.lexicon import LETTERS, PARTIES, PARTY_KINDS, lexicon_add
from search.models import SearchEntry
from search.query import ParsedQuery, tsquery_positions

COMMON = 5_000  # a group's estimated matches from which its newest are ranked, not all
SAMPLE = 200  # the newest matches ranked and counted then (more for a later page)
SCAN = 20_000  # entries read newest first before the GIN index is asked after all
CORRECTIONS = 3  # existing words tried in place of a misspelt one
NAMED_CONTACTS = 200  # a word held by at most this many contacts and companies names someone
UPDATED = [
    field.name
    for field in SearchEntry._meta.concrete_fields
    if field.name not in ("id", "kind", "object_id")
]
# the predicates of the partial indexes (search/migrations/0003_lexicon.py), written alike
GROUPS = (PARTIES, f"NOT {PARTIES}")
COLUMNS = (
    "kind, object_id, title, subtitle, body, contact_id, company_id, channel, occurred_at, "
    "owner_id, segment_id, stage_id"
)


def _where(filters: SearchFilters, scope: Scope) -> tuple[list[str], list]:
    """The visibility and facet conditions. Ids are compared as bigint: psycopg sends a small
    int as int2 or int4, and btree_gin's int8 operator class (the words' GIN index holds the
    owner and team) is not used for a comparison across types."""
    where, params = [], []
    if not filters.include_archived:
        where.append("NOT archived")
    if not scope.everything:
        if scope.team_id:
            where.append("(owner_id = %s::bigint OR team_id = %s::bigint)")
            params += [scope.owner_id, scope.team_id]
        else:
            where.append("owner_id = %s::bigint")
            params.append(scope.owner_id)
    for column, value in filters.chosen().items():
        cast = "::bigint" if column in ("owner_id", "segment_id", "stage_id") else ""
        where.append(f"{column} = %s{cast}")
        params.append(value)
    return where, params


def _escaped(fragment: str) -> str:
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _lexeme_prefix(fragment: str) -> str:
    """A tsquery of the lexemes that begin with `fragment`, taken as it is (the parser would
    split an email or a website into words)."""
    return "'" + fragment.replace("\\", "\\\\").replace("'", "''") + "':*"


def _like(fragment: str) -> str:
    return "%" + _escaped(fragment) + "%"


@dataclass
class Matching:
    """What matches at one stage: the conditions (ORed, each backed by an index), the score
    that ranks a match, and the query's words (alternatives of positions) for the estimate."""

    options: list[list[tuple[tuple[str, ...], bool]]]
    matches: list[str] = field(default_factory=list)
    match_params: list = field(default_factory=list)
    scores: list[str] = field(default_factory=lambda: [f"CASE WHEN {PARTIES} THEN 0.1 ELSE 0 END"])
    score_params: list = field(default_factory=list)

    def add(self, match: str, match_params: list, score: str, score_params: list) -> None:
        self.matches.append(match)
        self.match_params += match_params
        self.scores.append(score)
        self.score_params += score_params

    @property
    def condition(self) -> str:
        return f"({' OR '.join(self.matches)})"

    @property
    def score(self) -> str:
        return " + ".join(self.scores)


def _positions(words: tuple[str, ...]) -> list[tuple[tuple[str, ...], bool]]:
    """Each word a position of its own, the last one as a prefix (as you type)."""
    return [((word,), index == len(words) - 1) for index, word in enumerate(words)]


def _words_tsquery(options: list[list[tuple[tuple[str, ...], bool]]]) -> tuple[str, list[str]]:
    """The tsquery (SQL and parameters) matching any of `options` in every config of the
    document. A prefix is matched as typed (the `simple` lexemes of every text are in the
    document); the stems are matched whole: the stem of a word being typed means little, and
    as a prefix the stem of "петров" ("петр") would match every Пётр."""
    configs = ("simple", "russian", "english")
    sql = " || ".join(f"to_tsquery('{config}', %s)" for _option in options for config in configs)
    params = [
        tsquery_positions(option, prefixes=config == "simple")
        for option in options
        for config in configs
    ]
    return sql, params


def _corrected(cursor, words: tuple[str, ...]) -> list[tuple[tuple[str, ...], bool]]:
    """The typed words with each one the lexicon does not hold replaced by the nearest words
    it does (trigram distance, through its GiST index); none when a word has no near one."""
    positions = []
    for index, word in enumerate(words):
        last = index == len(words) - 1
        if len(word) < 3 or not LETTERS.fullmatch(word):
            positions.append(((word,), last))
            continue
        cursor.execute(
            "SELECT word FROM search_word WHERE word %% %s ORDER BY word <-> %s, word LIMIT %s",
            [word, word, CORRECTIONS],
        )
        similar = tuple(row[0] for row in cursor.fetchall())
        if not similar:
            return []
        positions.append(((word,), last) if word in similar else (similar, True))
    return positions


def _estimate(cursor, options) -> tuple[int, int]:
    """How many contacts and companies, and how many other records, the words may match, by
    the lexicon: a word counts the entries of its commonest form (as typed, its Russian and
    English stems; with every word it begins when it is a prefix), a query the fewest of its
    words, the other spellings add up. An overestimate now and then costs one bounded scan."""
    words = sorted(
        {word for option in options for alternatives, _prefix in option for word in alternatives}
    )
    if not words:
        return (0, 0)
    cursor.execute(
        "SELECT w, (ts_lexize('russian_stem', w))[1], (ts_lexize('english_stem', w))[1] "
        "FROM unnest(%s::text[]) w",
        [words],
    )
    stems = {row[0]: {stem for stem in row[1:] if stem} for row in cursor.fetchall()}

    def forms(word: str, prefix: bool) -> set[tuple[str, bool]]:
        """As the tsquery has it: the word as typed (a prefix where marked), its stems whole."""
        return {(word, prefix)} | {(stem, False) for stem in stems[word]}

    pairs = sorted(
        {
            form
            for option in options
            for alternatives, prefix in option
            for word in alternatives
            for form in forms(word, prefix)
        }
    )
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT {index}, coalesce(sum(parties), 0), coalesce(sum(records), 0) "
            f"FROM search_word WHERE word {'LIKE' if prefix else '='} %s"
            for index, (_form, prefix) in enumerate(pairs)
        ),
        [_escaped(form) + "%" if prefix else form for form, prefix in pairs],
    )
    counts = {pairs[index]: (parties, records) for index, parties, records in cursor.fetchall()}
    total = [0, 0]
    for option in options:
        for group in (0, 1):
            total[group] += min(
                sum(
                    max(counts[form][group] for form in forms(word, prefix))
                    for word in alternatives
                )
                for alternatives, prefix in option
            )
    return (total[0], total[1])


def _newest(cursor, group: str, matching: Matching, where, params, needed: int, least: int):
    """The ids of the group's newest matches, read in date order through its B-tree index
    (for one owner, through theirs), and whether they are all of them. None when fewer than
    `least` are among the newest SCAN entries: the words were not as common as estimated, and
    the GIN index answers after all."""
    scope = " AND ".join([group, *where])
    cursor.execute("SET LOCAL enable_bitmapscan = off")
    # the SCAN-th entry comes along (unless enough matched before it) to tell a bounded
    # read from one that saw every entry in scope
    cursor.execute(
        f"""SELECT id, matched, seen FROM (
            SELECT id, {matching.condition} AS matched, row_number() OVER () AS seen FROM (
                SELECT id, document, keys FROM search_entry WHERE {scope}
                ORDER BY occurred_at DESC, id DESC LIMIT {SCAN}
            ) newest
        ) numbered WHERE matched OR seen = {SCAN} LIMIT {needed}""",
        [*matching.match_params, *params],
    )
    rows = cursor.fetchall()
    cursor.execute("SET LOCAL enable_bitmapscan = on")
    ids = [id_ for id_, matched, _seen in rows if matched]
    complete = len(rows) < needed and all(seen < SCAN for _id, _matched, seen in rows)
    return (ids, complete) if complete or len(ids) >= least else None


def _named(cursor, parsed: ParsedQuery) -> Matching:
    """A record found by its own words together with its contact's name ("Кузнецова
    арматура": the call about rebar with Ms Kuznetsova), since a record's words leave the name
    out (search/migrations/0004). Only for a name the lexicon says is rare among contacts and
    companies (a common first name alone names nobody), and only when some words are left for
    the record; the contacts so named (at most NAMED_CONTACTS) narrow the records down."""
    words = parsed.words
    if not 2 <= len(words) <= 4 or parsed.key:
        return Matching(options=[])
    cursor.execute("SELECT word, parties FROM search_word WHERE word = ANY(%s)", [list(words)])
    held = dict(cursor.fetchall())
    names = [word for word in words if 0 < held.get(word, 0) <= NAMED_CONTACTS]
    others = [word for word in words if word not in names]
    if not names or not others:
        return Matching(options=[])
    cursor.execute(
        "SELECT object_id FROM search_entry WHERE kind = 'contact' AND NOT archived "
        "AND document @@ to_tsquery('simple', %s) LIMIT %s",
        [tsquery_positions(_positions(tuple(names)), prefixes=False), NAMED_CONTACTS],
    )
    contacts = [row[0] for row in cursor.fetchall()]
    if not contacts:
        return Matching(options=[])
    tsquery, tsquery_params = _words_tsquery([_positions(tuple(others))])
    matching = Matching(options=[])
    matching.add(
        f"(NOT {PARTIES} AND contact_id = ANY(%s) AND document @@ ({tsquery}))",
        [contacts, *tsquery_params],
        f"ts_rank(document, ({tsquery}), 1)",
        tsquery_params,
    )
    return matching


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
        lexicon_add(
            parties=[document.name for document in documents if document.kind in PARTY_KINDS],
            records=[document.name for document in documents if document.kind not in PARTY_KINDS],
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
        with transaction.atomic(), connection.cursor() as cursor:
            # Every match condition is backed by an index, but the planner misjudges how many
            # rows a prefix tsquery or a substring matches: at millions of entries it would
            # pick a sequential scan under the LIMIT, which reads the whole table when only a
            # few rows match (bench/search.py). Within this transaction only.
            cursor.execute("SET LOCAL enable_seqscan = off")
            # the words as typed first (an identifier as the start of one); a person's name
            # with words of their records; an identifier anywhere inside one, the other
            # spellings, then the nearest existing words (typos) only when the stage before
            # found nothing (a near miss never crowds out an exact hit, and the slower
            # lookups run only when they must)
            for stage in ("typed", "named", "inside", "spelt", "typos"):
                matching = self._matching(cursor, parsed, stage)
                if matching.matches:
                    self._run(cursor, parsed, matching, where, params, results)
                    if results.total:
                        break
        return results

    def _run(self, cursor, parsed, matching: Matching, where, params, results) -> None:
        """Candidates from each group (contacts and companies; the other records), ranked and
        counted together. A group whose words are rare gives every match (up to CANDIDATES)
        through its GIN index; one whose words the lexicon says are common gives its newest
        matches instead, read in date order until SAMPLE are found, since a bitmap of half a
        million entries alone takes longer than the whole answer may."""
        estimate = _estimate(cursor, matching.options)
        least = results.page * PAGE_SIZE + 1  # a full page, and whether there is a next one
        needed = max(SAMPLE, least)
        sources, source_params, sampled = [], [], False
        # a substring of identifiers alone is looked up once (its trigram index is whole)
        groups = GROUPS if matching.options else ("TRUE",)
        for group, common in zip(groups, estimate, strict=False):
            newest = None
            if common >= COMMON:
                newest = _newest(cursor, group, matching, where, params, needed, least)
            if newest is not None:
                ids, complete = newest
                sampled = sampled or not complete
                sources.append(
                    f"SELECT {COLUMNS}, {matching.score} AS score FROM search_entry "
                    "WHERE id = ANY(%s)"
                )
                source_params += [*matching.score_params, ids]
            else:
                sources.append(
                    f"(SELECT {COLUMNS}, {matching.score} AS score FROM search_entry "
                    f"WHERE {' AND '.join([group, matching.condition, *where])} "
                    f"LIMIT {CANDIDATES + 1})"
                )
                source_params += [*matching.score_params, *matching.match_params, *params]
        sql = f"""
            WITH candidates AS MATERIALIZED ({" UNION ALL ".join(sources)})
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
        # the candidates come through the GIN indexes (or by id): under a LIMIT the planner
        # would rather walk a date-ordered B-tree, hoping to meet matches early, when it
        # misjudges how many there are (a prefix of a word that only contacts hold read all
        # three million records for none)
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(sql, [*source_params, PAGE_SIZE + 1, offset])
        rows = cursor.fetchall()
        cursor.execute("SET LOCAL enable_indexscan = on")
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
        parties = sum(count for kind, count in facets["kind"] if kind in PARTY_KINDS)
        records = sum(count for _kind, count in facets["kind"]) - parties
        results.total_is_capped = sampled or max(parties, records) > CANDIDATES
        results.total = min(parties, CANDIDATES) + min(records, CANDIDATES)
        results.hits.sort(key=lambda hit: (-hit.score, -hit.occurred_at.timestamp()))
        results.has_next = len(results.hits) > PAGE_SIZE
        results.hits = results.hits[:PAGE_SIZE]

    def _matching(self, cursor, parsed: ParsedQuery, stage: str) -> Matching:
        """The OR of what matches (each backed by an index) and the score that ranks it: the
        words and identifiers as typed, the words as spelt another way, or the existing words
        nearest to the typed ones (typos)."""
        if stage == "typed":
            options = [_positions(parsed.words)] if parsed.words else []
        elif stage == "named":
            return _named(cursor, parsed)
        elif stage == "inside":
            options = []
        elif stage == "spelt":
            options = [_positions(words) for words in parsed.alternatives if words]
        else:
            corrected = _corrected(cursor, parsed.words)
            options = [corrected] if corrected and corrected != _positions(parsed.words) else []
        matching = Matching(options=options)
        if options:
            tsquery, tsquery_params = _words_tsquery(options)
            matching.add(
                f"document @@ ({tsquery})",
                tsquery_params,
                f"ts_rank(document, ({tsquery}), 1)",
                tsquery_params,
            )
        if parsed.key and stage == "typed":  # a lexeme of its own: phone digits, an email
            key = _lexeme_prefix(parsed.key)
            matching.add(
                "document @@ %s::tsquery",
                [key],
                "CASE WHEN document @@ %s::tsquery THEN 2 ELSE 0 END",
                [key],
            )
        if parsed.key and stage == "inside":
            like = _like(parsed.key)
            matching.add("keys LIKE %s", [like], "CASE WHEN keys LIKE %s THEN 2 ELSE 0 END", [like])
        return matching

    def _prefix(self, parsed, where, params, results: SearchResults) -> SearchResults:
        """One or two letters: contacts and companies whose name or surname starts so, in
        the order of the pattern indexes (`~<~`, code point order), which then give the first
        page without reading every name that starts with the letter."""
        like = parsed.words[0].replace("_", "\\_") + "%"
        condition = " AND ".join([PARTIES, *where])
        offset = (results.page - 1) * PAGE_SIZE
        parts = [
            f"""(SELECT {COLUMNS}, 1.0 AS score, {column} AS sort_key FROM search_entry
                WHERE {column} LIKE %s AND {condition} ORDER BY {column} USING ~<~
                LIMIT {PAGE_SIZE + 1 + offset})"""
            for column in ("name", "name_alt")
        ]
        sql = (
            f"SELECT DISTINCT ON (sort_key, kind, object_id) * FROM ({' UNION ALL '.join(parts)}) "
            f"found ORDER BY sort_key USING ~<~, kind, object_id LIMIT %s OFFSET %s"
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
