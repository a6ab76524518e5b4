"""Prometheus metrics at /metrics, answered before the tenant middleware (a scrape's host has
no Domain row). Labels never carry a tenant: the series count stays bounded however many
companies sign up.

Under gunicorn every worker process writes to PROMETHEUS_MULTIPROC_DIR and a scrape adds them
up. /metrics is for the cluster: a request that came through the ingress (it carries
X-Forwarded-For) is refused unless it brings `METRICS_TOKEN` as a Bearer token; with
`METRICS_TOKEN` set, every scrape must bring it.
"""

from __future__ import annotations

import hmac
import os
import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "tenantly_http_requests_total",
    "HTTP requests answered, by method, route name and status code",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "tenantly_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route name",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(given.encode(), token.encode())
    return "X-Forwarded-For" not in request.headers


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            if not _may_scrape(request):
                return HttpResponse(status=404)
            return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = match.url_name or match.view_name if match else "unmatched"
        method = request.method if request.method in METHODS else "OTHER"
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        LATENCY.labels(method, route).observe(time.perf_counter() - started)
        return response
