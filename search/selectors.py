"""`query()`: the one entry point of search for views, the API and tests."""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.utils.translation import gettext as _

from billing.services.subscriptions import current_subscription
from crm_core.activities.models import Interaction
from search.backends.base import Backend, Scope, SearchFilters, SearchResults
from search.backends.elastic import ElasticBackend, ElasticUnavailable
from search.backends.postgres import PostgresBackend
from search.highlight import mark
from search.models import Kind
from search.query import ParsedQuery, parse
from tenants.identity.models import User

logger = logging.getLogger(__name__)


@cache
def _elastic() -> Backend | None:
    if not settings.ELASTICSEARCH_URL:
        return None

    return ElasticBackend.from_settings()


def _plan_has_search() -> bool:
    """Elasticsearch answers the companies whose plan includes it; the index is kept for every
    company, so an upgrade answers from it at once."""

    return current_subscription().plan.feature_search


def backend_for_writes() -> list[Backend]:
    """The PostgreSQL table is always kept (it is what search falls back to); Elasticsearch
    too when it is configured."""
    elastic = _elastic()
    return [PostgresBackend()] + ([elastic] if elastic else [])


def query(
    text: str, *, filters: SearchFilters | None = None, user: User, page: int = 1
) -> SearchResults:
    """Ranked hits with highlights and facets, limited to what `user` may open, titles in the
    reader's language."""
    parsed = parse(text)
    results = _answer(parsed, filters=filters or SearchFilters(), user=user, page=max(1, page))
    _titles_written_out(results, parsed)
    return results


def _titles_written_out(results: SearchResults, parsed: ParsedQuery) -> None:
    """An interaction whose subject the CRM wrote (an order's step, a refund) is indexed as
    it read for whoever caused it; the page's hits read it in the reader's language (one
    query for the page)."""
    ids = [hit.object_id for hit in results.hits if hit.kind == Kind.INTERACTION]
    if not ids:
        return
    written = {
        interaction.pk: interaction.subject_shown
        for interaction in Interaction.objects.filter(pk__in=ids)
        .exclude(subject_message="")
        .only("subject", "subject_message", "subject_params")
    }
    for hit in results.hits:
        if hit.kind == Kind.INTERACTION and hit.object_id in written:
            hit.title = written[hit.object_id]
            hit.title_html = mark(hit.title, parsed.every_word)


def _answer(parsed: ParsedQuery, *, filters: SearchFilters, user: User, page: int) -> SearchResults:
    """Elasticsearch answers when configured; when it cannot, PostgreSQL does and the results
    say so."""
    scope = Scope.of(user)
    elastic = _elastic() if _plan_has_search() else None
    if elastic is not None:
        try:
            return elastic.query(parsed, filters=filters, scope=scope, page=page)
        except ElasticUnavailable as error:
            logger.warning("search: Elasticsearch unavailable, PostgreSQL answers: %s", error)
            results = PostgresBackend().query(parsed, filters=filters, scope=scope, page=page)
            results.notice = _(
                "The search service is unavailable; these results come from the fallback index."
            )
            return results
    return PostgresBackend().query(parsed, filters=filters, scope=scope, page=page)
