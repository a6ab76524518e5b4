"""The Elasticsearch backend without an Elasticsearch server.

No server can be reached here, so these tests run the real `elasticsearch` client (and our
code path, unchanged) against a local HTTP server in the test that records every request and
answers in Elasticsearch's documented wire format. They check the mapping, the bulk payloads,
routing, the tenant filter of every query and the fallback to PostgreSQL. The same contract
suite as PostgreSQL's runs against a live server when `ELASTICSEARCH_URL` is set
(tests/search/conftest.py).
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from billing.models import Plan, Subscription
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from search import selectors
from search.backends.base import Scope, SearchFilters
from search.backends.elastic import ElasticBackend, ElasticUnavailable
from search.documents import documents_for
from search.models import SearchChange, SearchEntry
from search.query import parse
from search.selectors import query
from search.services import changes_index, records_index

pytestmark = pytest.mark.django_db


class FakeElastic:
    """Answers like Elasticsearch 9 and keeps what it was sent."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.aliases: dict[str, dict] = {}  # alias -> {index, filter, routing}
        self.indices: dict[str, dict] = {}
        self.search_hits: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                url = urlparse(self.path)
                request = {
                    "method": self.command,
                    "path": url.path,
                    "params": {key: values[0] for key, values in parse_qs(url.query).items()},
                    "raw": raw,
                }
                recorder.requests.append(request)
                status, body = recorder.respond(request)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def respond(self, request: dict) -> tuple[int, dict]:
        path, method = request["path"], request["method"]
        parts = [part for part in path.split("/") if part]
        if method == "GET" and parts[0] == "_alias":
            found = {
                values["index"]: {"aliases": {parts[1]: {}}}
                for name, values in self.aliases.items()
                if name == parts[1]
            }
            return (200, found) if found else (404, {"error": "alias missing", "status": 404})
        if parts == ["_bulk"]:
            lines = [json.loads(line) for line in request["raw"].splitlines() if line]
            items = [
                {next(iter(line)): {"_id": line[next(iter(line))]["_id"], "status": 200}}
                for line in lines
                if next(iter(line)) in ("index", "delete")
            ]
            return 200, {"took": 1, "errors": False, "items": items}
        if method == "PUT" and len(parts) == 1:
            self.indices[parts[0]] = json.loads(request["raw"] or "{}")
            return 200, {"acknowledged": True, "index": parts[0]}
        if method == "PUT" and len(parts) == 3 and parts[1] == "_alias":
            body = json.loads(request["raw"] or "{}")
            self.aliases[parts[2]] = {"index": parts[0], **body}
            return 200, {"acknowledged": True}
        if parts == ["_aliases"]:
            return 200, {"acknowledged": True}
        if method == "DELETE" and len(parts) == 1:
            return 200, {"acknowledged": True}
        if parts[-1] == "_search":
            return 200, {
                "took": 2,
                "timed_out": False,
                "hits": {
                    "total": {"value": len(self.search_hits), "relation": "eq"},
                    "max_score": 1.0,
                    "hits": self.search_hits,
                },
                "aggregations": {
                    "kind": {"buckets": [{"key": "contact", "doc_count": len(self.search_hits)}]},
                    "channel": {"buckets": []},
                    "owner_id": {"buckets": []},
                    "segment_id": {"buckets": []},
                    "stage_id": {"buckets": []},
                },
            }
        if parts[-1] == "_delete_by_query":
            return 200, {"deleted": 0}
        return 404, {"error": f"unexpected {method} {path}", "status": 404}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent(self, path_end: str) -> list[dict]:
        return [request for request in self.requests if request["path"].endswith(path_end)]


@pytest.fixture
def fake_elastic(settings):
    fake = FakeElastic()
    settings.ELASTICSEARCH_URL = fake.url
    settings.ELASTICSEARCH_INDEX = "tenantly-search"
    selectors._elastic.cache_clear()
    yield fake
    selectors._elastic.cache_clear()
    fake.close()


@pytest.fixture
def people(tenant_a, settings):
    """Clients indexed in PostgreSQL only (no Elasticsearch yet)."""

    settings.ELASTICSEARCH_URL = ""
    selectors._elastic.cache_clear()
    owner = tenant_a.owner()
    with tenant_a.active():
        anna = contact_create(
            actor=owner,
            data={"first_name": "Анна", "last_name": "Кузнецова", "phones": ["+79161234567"]},
        )
        changes_index()
    return owner, anna


def test_documents_go_to_the_shared_index_routed_and_stamped_by_tenant(
    tenant_a, people, fake_elastic
):
    owner, anna = people
    with tenant_a.active():
        records_index({"contact": {anna.pk}})
    # the first write creates the versioned index with our analyzers, its alias, and the
    # tenant's filtered alias
    (index_name,) = fake_elastic.indices
    assert index_name.startswith("tenantly-search-v1-")
    created = fake_elastic.indices[index_name]
    analysis = created["settings"]["analysis"]
    assert {"name_text", "name_prefix", "russian_text", "english_text"} <= set(analysis["analyzer"])
    properties = created["mappings"]["properties"]
    assert properties["tenant"] == {"type": "keyword"}
    assert properties["keys"] == {"type": "wildcard"}
    assert properties["title"]["fields"]["prefix"]["analyzer"] == "name_prefix"
    assert fake_elastic.aliases["tenantly-search"]["index"] == index_name
    assert fake_elastic.aliases["tenantly-search-alpha"] == {
        "index": index_name,
        "filter": {"term": {"tenant": "alpha"}},
        "routing": "alpha",
    }
    (bulk,) = fake_elastic.sent("/_bulk")
    action, source = (json.loads(line) for line in bulk["raw"].splitlines())
    assert action == {
        "index": {
            "_index": "tenantly-search",
            "_id": f"alpha:contact:{anna.pk}",
            "routing": "alpha",
        }
    }
    assert source["tenant"] == "alpha"
    assert source["title"] == "Анна Кузнецова"
    assert source["keys"] == "79161234567"
    assert source["owner_id"] == owner.pk


def test_every_query_carries_the_tenant_filter_and_routing(tenant_a, people, fake_elastic):
    owner, anna = people
    rep = tenant_a.make_user()
    backend = ElasticBackend.from_settings()
    with tenant_a.active():
        fake_elastic.search_hits = [
            {
                "_index": "tenantly-search-v1-x",
                "_id": f"alpha:contact:{anna.pk}",
                "_score": 3.5,
                "_source": {
                    "tenant": "alpha",
                    "kind": "contact",
                    "object_id": anna.pk,
                    "title": "Анна Кузнецова",
                    "subtitle": "",
                    "body": "",
                    "contact_id": anna.pk,
                    "company_id": None,
                    "channel": "",
                    "occurred_at": "2026-11-20T10:00:00+00:00",
                },
            }
        ]
        for text, user in [("Кузнецова", owner), ("ку", owner), ("8 916 123", rep)]:
            fake_elastic.requests.clear()
            results = backend.query(
                parse(text), filters=SearchFilters(), scope=Scope.of(user), page=1
            )
            (sent,) = fake_elastic.sent("/_search")
            assert sent["path"] == "/tenantly-search-alpha/_search"
            assert sent["params"]["routing"] == "alpha"
            body = json.loads(sent["raw"])
            filters = body["query"]["bool"]["filter"]
            assert {"term": {"tenant": "alpha"}} in filters
            assert {"term": {"archived": False}} in filters
            if user == rep:
                assert {"term": {"owner_id": rep.pk}} in filters
            assert results.hits[0].object_id == anna.pk
            assert ("<mark>" in results.hits[0].title_html) == (user == owner)  # words, not digits
        wildcard = {"wildcard": {"keys": {"value": "*8916123*", "boost": 10}}}
        assert json.dumps(wildcard, ensure_ascii=False)[1:-1] in json.dumps(
            json.loads(sent["raw"]), ensure_ascii=False
        )


def test_a_subtitle_is_searched_for_contacts_and_companies_only(tenant_a, people, fake_elastic):
    """A record's subtitle is its contact's name, which is not among the record's words (as in
    the PostgreSQL backend's document)."""
    owner, _anna = people
    backend = ElasticBackend.from_settings()
    with tenant_a.active():
        backend.query(parse("Кузнецова"), filters=SearchFilters(), scope=Scope.of(owner), page=1)
    (sent,) = fake_elastic.sent("/_search")
    should = json.loads(sent["raw"])["query"]["bool"]["should"]
    words = next(clause["multi_match"] for clause in should if "multi_match" in clause)
    assert not any(name.startswith("subtitle") for name in words["fields"])
    subtitle = next(clause["bool"] for clause in should if "bool" in clause)
    assert subtitle["filter"] == [{"terms": {"kind": ["contact", "company"]}}]
    assert subtitle["must"] == [{"match": {"subtitle": {"query": "кузнецова", "operator": "and"}}}]


def test_operator_laden_input_is_sent_as_plain_text(tenant_a, people, fake_elastic):
    owner, _anna = people
    backend = ElasticBackend.from_settings()
    with tenant_a.active():
        backend.query(
            parse('name:anna AND (x OR "y")^2 *'),
            filters=SearchFilters(),
            scope=Scope.of(owner),
            page=1,
        )
    body = json.loads(fake_elastic.sent("/_search")[0]["raw"])
    assert "query_string" not in json.dumps(body)
    assert {"term": {"tenant": "alpha"}} in body["query"]["bool"]["filter"]


def test_rebuild_moves_every_alias_at_once(tenant_a, tenant_b, people, fake_elastic):
    backend = ElasticBackend.from_settings()
    with tenant_a.active():
        backend.upsert([])  # nothing to write, nothing created
        records_index({"contact": {people[1].pk}})
    backend.rebuild_start()
    fake_elastic.requests.clear()
    with tenant_a.active():  # what search_reindex does for each tenant
        backend.for_tenant("alpha").upsert(documents_for("contact", [people[1].pk]))
    (bulk,) = fake_elastic.sent("/_bulk")
    assert json.loads(bulk["raw"].splitlines()[0])["index"]["_index"] == backend.rebuilding
    backend.rebuild_finish()
    (swap,) = fake_elastic.sent("/_aliases")
    actions = json.loads(swap["raw"])["actions"]
    added = {action["add"]["alias"]: action["add"] for action in actions if "add" in action}
    assert {"tenantly-search", "tenantly-search-alpha", "tenantly-search-beta"} <= set(added)
    assert added["tenantly-search-beta"]["filter"] == {"term": {"tenant": "beta"}}
    assert [action for action in actions if "remove" in action]


def test_a_down_elasticsearch_degrades_to_postgresql(tenant_a, people, settings):
    owner, anna = people
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{closed_port}"
    selectors._elastic.cache_clear()
    try:
        with tenant_a.active():
            results = query("Кузнецова", user=owner)
        assert results.backend == "postgresql"
        assert "unavailable" in results.notice
        assert [hit.object_id for hit in results.hits] == [anna.pk]
        response = tenant_a.client(owner).get("/search/", {"q": "Кузнецова"})
        assert 'data-testid="search-notice"' in response.content.decode()
        with pytest.raises(ElasticUnavailable):
            ElasticBackend.from_settings().query(
                parse("x y"), filters=SearchFilters(), scope=Scope.of(owner), page=1
            )
    finally:
        selectors._elastic.cache_clear()


def test_an_elasticsearch_outage_does_not_hold_up_postgresql(tenant_a, people, settings):
    """Writes reach PostgreSQL; what Elasticsearch missed stays queued for the next run."""

    owner, anna = people
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.ELASTICSEARCH_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
    selectors._elastic.cache_clear()
    try:
        with tenant_a.active():
            Contact.objects.filter(pk=anna.pk).update(last_name="Соколова")
            changes_index()
            assert SearchEntry.objects.get(kind="contact", object_id=anna.pk).title == (
                "Анна Соколова"
            )
            assert list(SearchChange.objects.values_list("kind", "object_id")) == [
                ("contact", anna.pk)
            ]
    finally:
        selectors._elastic.cache_clear()


def test_elasticsearch_answers_only_companies_whose_plan_includes_it(
    tenant_a, people, fake_elastic
):
    """A plan without the search feature is answered by PostgreSQL; Elasticsearch gets no
    query from it (its documents are still indexed, for an upgrade)."""

    owner, anna = people
    subscription = Subscription.objects.get(tenant=tenant_a.tenant)
    subscription.plan = Plan.objects.get(code="team")
    subscription.save()
    with tenant_a.active():
        results = selectors.query("Кузнецова", user=owner)
    assert not fake_elastic.sent("/_search")
    assert [hit.object_id for hit in results.hits] == [anna.pk]
