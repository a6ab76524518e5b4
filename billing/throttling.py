"""The plan's API calls per minute, counted per company for its signed-in callers (every token
and session of it), and a separate limit per client address for anonymous calls, so nobody
outside a company can use up its quota."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from tenants.identity.throttle import client_address
from tenants.typing import connection

WINDOW = 60


def _count(key: str) -> int | None:
    """One more call in this minute's window of `key`; None if Redis is away."""
    cache = caches["platform"]
    cache.add(key, 0, timeout=WINDOW * 2)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        return 1


class PlanRateThrottle(BaseThrottle):
    """A fixed one-minute window in the platform cache (the keys name the schema).

    If Redis is away (the cache ignores its errors and answers None) the calls are let
    through: the API stays up rather than counting."""

    def allow_request(self, request, view) -> bool:
        window = int(time.time() // WINDOW)
        self.retry_after = WINDOW - time.time() % WINDOW
        if not (request.user and request.user.is_authenticated):
            calls = _count(f"api-anon:{connection.schema_name}:{client_address(request)}:{window}")
            return calls is None or calls <= settings.API_ANONYMOUS_CALLS_PER_MINUTE
        subscription = getattr(request._request, "subscription", None)
        limit = subscription.plan.api_calls_per_minute if subscription else None
        if not limit:
            return True
        calls = _count(f"api-calls:{connection.schema_name}:{window}")
        return calls is None or calls <= limit

    def wait(self) -> float:
        return self.retry_after
