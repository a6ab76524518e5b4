"""`query()`: the one entry point of search for views, the API and tests."""

from __future__ import annotations

import logging
from functools import cache

from django.conf import settings
from django.utils.translation import gettext as _

from search.backends.base import Backend, Scope, SearchFilters, SearchResults
from search.backends.postgres import PostgresBackend
from search.query import parse
from tenants.identity.models import User

logger = logging.getLogger(__name__)


@cache
def _elastic() -> Backend | None:
    if not settings.ELASTICSEARCH_URL:
        return None
    from search.backends.elastic import ElasticBackend

    return ElasticBackend.from_settings()


def _plan_has_search() -> bool:
    """Elasticsearch answers the companies whose plan includes it; the index is kept for every
    company, so an upgrade answers from it at once."""
    from billing.services.subscriptions import current_subscription

    return current_subscription().plan.feature_search


def backend_for_writes() -> list[Backend]:
    """The PostgreSQL table is always kept (it is what search falls back to); Elasticsearch
    too when it is configured."""
    elastic = _elastic()
    return [PostgresBackend()] + ([elastic] if elastic else [])


def query(
    text: str, *, filters: SearchFilters | None = None, user: User, page: int = 1
) -> SearchResults:
    """Ranked hits with highlights and facets, limited to what `user` may open. Elasticsearch
    answers when configured; when it cannot, PostgreSQL does and the results say so."""
    parsed = parse(text)
    filters = filters or SearchFilters()
    scope = Scope.of(user)
    page = max(1, page)
    elastic = _elastic() if _plan_has_search() else None
    if elastic is not None:
        from search.backends.elastic import ElasticUnavailable

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
