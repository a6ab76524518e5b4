"""The plan's API calls per minute, counted per company (every token and session of it)."""

from __future__ import annotations

import time

from django.core.cache import caches
from django.db import connection
from rest_framework.throttling import BaseThrottle

WINDOW = 60


class PlanRateThrottle(BaseThrottle):
    """A fixed one-minute window per company in the platform cache (the key names the schema).

    If Redis is away (the cache ignores its errors and answers None) the calls are let
    through: the API stays up rather than counting."""

    def allow_request(self, request, view) -> bool:
        subscription = getattr(request._request, "subscription", None)
        limit = subscription.plan.api_calls_per_minute if subscription else None
        if not limit:
            return True
        window = int(time.time() // WINDOW)
        self.retry_after = WINDOW - time.time() % WINDOW
        key = f"api-calls:{connection.schema_name}:{window}"
        cache = caches["platform"]
        cache.add(key, 0, timeout=WINDOW * 2)
        try:
            calls = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            calls = 1
        return calls is None or calls <= limit

    def wait(self) -> float:
        return self.retry_after
