"""The Elasticsearch backend, on `elasticsearch.dsl`.

One shared index for all tenants (never an index per tenant: shard limits), versioned
(`<name>-v<MAPPING_VERSION>-<stamp>`) behind the alias `<name>`; every document carries its
`tenant` and is routed by it; each tenant has a filtered alias `<name>-<schema>` (filter and
routing by tenant). Every query goes through the tenant's alias *and* carries the tenant filter
itself, whatever path built it. A mapping change is `search_reindex --backend es`: a new
versioned index is filled, then the aliases move to it in one atomic call.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Keyword,
    Long,
    Q,
    Search,
    Text,
    Wildcard,
    analyzer,
    char_filter,
    token_filter,
    tokenizer,
)

from search.backends.base import (
    CANDIDATES,
    FACETS,
    PAGE_SIZE,
    Scope,
    SearchFilters,
    SearchResults,
    hit_make,
)
from search.documents import SearchDocument
from search.lexicon import PARTY_KINDS
from search.query import ParsedQuery
from tenants.models import Tenant

MAPPING_VERSION = 1

yo = char_filter("yo_as_ye", type="mapping", mappings=["ё => е", "Ё => Е"])
name_text = analyzer("name_text", tokenizer="standard", filter=["lowercase"], char_filter=[yo])
name_prefix = analyzer(
    "name_prefix",
    tokenizer=tokenizer(
        "name_edge", type="edge_ngram", min_gram=1, max_gram=20, token_chars=["letter", "digit"]
    ),
    filter=["lowercase"],
    char_filter=[yo],
)
russian = analyzer(
    "russian_text",
    tokenizer="standard",
    filter=["lowercase", token_filter("russian_stem", type="stemmer", language="russian")],
    char_filter=[yo],
)
english = analyzer(
    "english_text",
    tokenizer="standard",
    filter=["lowercase", token_filter("english_stem", type="stemmer", language="english")],
)
TEXT_FIELDS = {"ru": Text(analyzer=russian), "en": Text(analyzer=english)}


class SearchDoc(Document):
    tenant = Keyword()
    kind = Keyword()
    object_id = Long()
    contact_id = Long()
    company_id = Long()
    owner_id = Long()
    team_id = Long()
    channel = Keyword()
    segment_id = Long()
    stage_id = Long()
    title = Text(
        analyzer=name_text,
        fields={**TEXT_FIELDS, "prefix": Text(analyzer=name_prefix, search_analyzer=name_text)},
    )
    subtitle = Text(analyzer=name_text)
    body = Text(analyzer=name_text, fields=TEXT_FIELDS)
    keys = Wildcard()
    occurred_at = Date()
    indexed_at = Date()
    archived = Boolean()


class ElasticUnavailable(Exception):
    """Elasticsearch could not answer; search falls back to PostgreSQL."""


UNAVAILABLE = (TransportConnectionError, ConnectionTimeout, TransportError, ApiError)


class ElasticBackend:
    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        index: str,
        schema: str | None = None,
        rebuilding: str | None = None,
    ) -> None:
        self.client = client
        self.alias = index
        self.fixed_schema = schema
        self.rebuilding = rebuilding  # the new versioned index search_reindex is filling
        self._aliased: set[str] = set()

    @classmethod
    def from_settings(cls) -> ElasticBackend:
        client = Elasticsearch(
            settings.ELASTICSEARCH_URL,
            request_timeout=settings.ELASTICSEARCH_TIMEOUT,
            max_retries=0,
            retry_on_timeout=False,
        )
        return cls(client, settings.ELASTICSEARCH_INDEX)

    def for_tenant(self, schema: str) -> ElasticBackend:
        return ElasticBackend(self.client, self.alias, schema, self.rebuilding)

    @property
    def schema(self) -> str:
        return self.fixed_schema or connection.schema_name

    def tenant_alias(self, schema: str | None = None) -> str:
        return f"{self.alias}-{schema or self.schema}"

    # ---- index management -------------------------------------------------------------
    def index_create(self, name: str) -> None:
        index = Index(name, using=self.client)
        index.document(SearchDoc)
        index.settings(number_of_shards=1, number_of_replicas=0)
        index.create()

    def _current_indices(self) -> list[str]:
        try:
            return list(self.client.indices.get_alias(name=self.alias).keys())
        except ApiError as error:
            if error.meta.status == 404:
                return []
            raise

    def ensure(self) -> None:
        """The first index and its alias, and this tenant's filtered alias."""
        if self.schema in self._aliased:
            return
        indices = self._current_indices()
        if not indices:
            indices = [self.versioned_name()]
            self.index_create(indices[0])
            self.client.indices.put_alias(index=indices[0], name=self.alias)
        self._tenant_alias_put(indices[0], self.schema)
        self._aliased.add(self.schema)

    @staticmethod
    def _tenant_alias_spec(schema: str) -> dict:
        return {"filter": {"term": {"tenant": schema}}, "routing": schema}

    def _tenant_alias_put(self, index: str, schema: str) -> None:
        self.client.indices.put_alias(
            index=index, name=self.tenant_alias(schema), **self._tenant_alias_spec(schema)
        )

    def versioned_name(self) -> str:
        return f"{self.alias}-v{MAPPING_VERSION}-{timezone.now():%Y%m%d%H%M%S}"

    def rebuild_start(self) -> None:
        """Index into a new versioned index until rebuild_finish() moves the aliases."""
        self.rebuilding = self.versioned_name()
        self.index_create(self.rebuilding)

    def rebuild_finish(self) -> None:
        old = self._current_indices()
        actions = [{"remove": {"index": name, "alias": "*"}} for name in old]
        actions.append({"add": {"index": self.rebuilding, "alias": self.alias}})
        for schema in Tenant.objects.exclude(schema_name="public").values_list(
            "schema_name", flat=True
        ):
            actions.append(
                {
                    "add": {
                        "index": self.rebuilding,
                        "alias": self.tenant_alias(schema),
                        **self._tenant_alias_spec(schema),
                    }
                }
            )
        self.client.indices.update_aliases(actions=actions)
        for name in old:
            self.client.indices.delete(index=name)

    def index_drop_all(self) -> None:
        for name in self._current_indices():
            self.client.indices.delete(index=name)

    # ---- writes -----------------------------------------------------------------------
    def _target(self) -> str:
        return self.rebuilding or self.alias

    def upsert(self, documents: list[SearchDocument]) -> None:
        if not documents:
            return
        self.ensure()
        now = timezone.now()
        schema = self.schema
        helpers.bulk(
            self.client,
            (
                {
                    "_op_type": "index",
                    "_index": self._target(),
                    "_id": f"{schema}:{document.kind}:{document.object_id}",
                    "_routing": schema,
                    "_source": {
                        **document.as_dict(),
                        "tenant": schema,
                        "indexed_at": now,
                    },
                }
                for document in documents
            ),
        )

    def delete(self, kind: str, ids: list[int]) -> None:
        schema = self.schema
        helpers.bulk(
            self.client,
            (
                {
                    "_op_type": "delete",
                    "_index": self._target(),
                    "_id": f"{schema}:{kind}:{object_id}",
                    "_routing": schema,
                }
                for object_id in ids
            ),
            raise_on_error=False,  # a document that was never indexed is already gone
        )

    def stale_delete(self, *, before: datetime) -> None:
        if self.rebuilding:
            return  # the new index holds only what this run wrote
        self.client.delete_by_query(
            index=self.tenant_alias(),
            routing=self.schema,
            query={
                "bool": {
                    "filter": [
                        {"term": {"tenant": self.schema}},
                        {"range": {"indexed_at": {"lt": before.isoformat()}}},
                    ]
                }
            },
            conflicts="proceed",
        )

    # ---- queries ----------------------------------------------------------------------
    def search_for(self, parsed: ParsedQuery, filters: SearchFilters, scope: Scope) -> Search:
        """The query, always filtered by tenant, whatever else it holds."""
        schema = self.schema
        search = (
            Search(using=self.client, index=self.tenant_alias(schema))
            .params(routing=schema)
            .filter("term", tenant=schema)
        )
        if not filters.include_archived:
            search = search.filter("term", archived=False)
        if not scope.everything:
            visible = Q("term", owner_id=scope.owner_id)
            if scope.team_id:
                visible |= Q("term", team_id=scope.team_id)
            search = search.filter(visible)
        for name, value in filters.chosen().items():
            search = search.filter("term", **{name: value})
        if parsed.is_short:
            return (
                search.filter("terms", kind=["contact", "company"])
                .query("match", **{"title.prefix": {"query": parsed.words[0]}})
                .sort("_score", {"occurred_at": "desc"})
            )
        should = []
        for words in (parsed.words, *parsed.alternatives):
            if not words:
                continue
            text = " ".join(words)
            should += [
                Q(
                    "multi_match",
                    query=text,
                    fields=["title^3", "title.ru^2", "title.en", "body", "body.ru", "body.en"],
                    operator="and",
                ),
                # a record's subtitle is its contact's name: only a contact's or company's
                # own (position and company, legal name) is among its words, as in PostgreSQL
                Q(
                    "bool",
                    filter=[Q("terms", kind=list(PARTY_KINDS))],
                    must=[Q("match", subtitle={"query": text, "operator": "and"})],
                ),
                Q("match", title={"query": text, "fuzziness": "AUTO", "operator": "and"}),
                Q("match", **{"title.prefix": {"query": text, "operator": "and", "boost": 2}}),
            ]
        if parsed.key:
            key = parsed.key.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
            should.append(Q("wildcard", keys={"value": f"*{key}*", "boost": 10}))
        return search.query(Q("bool", should=should, minimum_should_match=1)).sort(
            "_score", {"occurred_at": "desc"}
        )

    def query(
        self, parsed: ParsedQuery, *, filters: SearchFilters, scope: Scope, page: int = 1
    ) -> SearchResults:
        results = SearchResults(page=page, backend=self.name)
        if parsed.is_empty:
            return results
        search = self.search_for(parsed, filters, scope)
        start = (page - 1) * PAGE_SIZE
        search = search[start : start + PAGE_SIZE + 1].extra(track_total_hits=CANDIDATES)
        if not parsed.is_short:
            for name in FACETS:
                search.aggs.bucket(name, "terms", field=name, size=20)
        try:
            response = search.execute()
        except UNAVAILABLE as error:
            raise ElasticUnavailable(str(error)) from error
        for item in response.hits:
            source = item.to_dict()
            results.hits.append(
                hit_make(
                    parsed,
                    kind=source["kind"],
                    object_id=source["object_id"],
                    title=source["title"],
                    body=source.get("body", ""),
                    subtitle=source.get("subtitle", ""),
                    contact_id=source.get("contact_id"),
                    company_id=source.get("company_id"),
                    channel=source.get("channel", ""),
                    occurred_at=datetime.fromisoformat(str(source["occurred_at"])),
                    score=float(item.meta.score or 0),
                )
            )
        total = response.hits.total
        results.total = min(total.value, CANDIDATES)
        results.total_is_capped = total.relation == "gte" or total.value > CANDIDATES
        if not parsed.is_short:
            aggregations = response.aggregations.to_dict()
            results.facets = {
                name: [
                    (bucket["key"], bucket["doc_count"])
                    for bucket in aggregations.get(name, {}).get("buckets", [])
                    if bucket["key"] not in ("", None)
                ]
                for name in FACETS
            }
        results.has_next = len(results.hits) > PAGE_SIZE
        results.hits = results.hits[:PAGE_SIZE]
        return results
