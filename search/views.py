"""The results page and the as-you-type suggestions of the app shell's search box."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.api import MAX_ID
from search.backends.base import SearchFilters
from search.models import SearchChange, SearchEntry
from search.presentation import (
    FACET_TITLES,
    facet_labels,
    hit_icon,
    hit_record_url,
    hit_url,
)
from search.selectors import backend_for_writes, query
from search.services import reindex_last, reindex_start, reindex_state
from tenants.identity.views.team import team_manager_required

SUGGESTIONS = 8


def _int(value: str | None) -> int | None:
    """An id from the query string; anything else (not a number, larger than any id) is
    no filter."""
    if not value or not value.isdigit() or int(value) > MAX_ID:
        return None
    return int(value)


def filters_from(params) -> SearchFilters:
    return SearchFilters(
        kind=params.get("type", "")[:16],
        channel=params.get("channel", "")[:16],
        owner_id=_int(params.get("owner")),
        segment_id=_int(params.get("segment")),
        stage_id=_int(params.get("stage")),
        include_archived=params.get("archived") == "1",
    )


PARAM = {
    "kind": "type",
    "channel": "channel",
    "owner_id": "owner",
    "segment_id": "segment",
    "stage_id": "stage",
}


def _decorated(hits):
    return [
        {"hit": hit, "url": hit_url(hit), "record_url": hit_record_url(hit), "icon": hit_icon(hit)}
        for hit in hits
    ]


def search_page(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    filters = filters_from(request.GET)
    page = _int(request.GET.get("page")) or 1
    results = query(text, filters=filters, user=request.user, page=page)
    current = {key: value for key, value in request.GET.items() if key not in ("page",)}
    facets = []
    for name, values in facet_labels(results).items():
        param = PARAM[name]
        options = []
        for value in values:
            chosen = current.get(param) == value.value
            link = {**current, param: value.value}
            if chosen:
                link.pop(param)
            options.append({"value": value, "chosen": chosen, "url": "?" + urlencode(link)})
        facets.append({"title": FACET_TITLES[name], "param": param, "options": options})
    return render(
        request,
        "search/results.html",
        {
            "text": text,
            "results": results,
            "hits": _decorated(results.hits),
            "facets": facets,
            "previous_url": "?" + urlencode({**current, "page": page - 1}) if page > 1 else "",
            "next_url": "?" + urlencode({**current, "page": page + 1}) if results.has_next else "",
        },
    )


def search_suggest(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")
    results = query(text, user=request.user) if text.strip() else None
    return render(
        request,
        "search/_suggestions.html",
        {
            "text": text,
            "results": results,
            "hits": _decorated(results.hits[:SUGGESTIONS]) if results else [],
        },
    )


@team_manager_required
def search_index(request: HttpRequest) -> HttpResponse:
    """The index's health for admins, and a rebuild whose progress streams to this page."""
    return render(request, "search/index.html", _index_context())


@team_manager_required
def search_index_status(request: HttpRequest) -> HttpResponse:
    response = render(request, "search/_index_status.html", _index_context())
    if request.GET.get("running") and reindex_state() is None:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@team_manager_required
def search_index_rebuild(request: HttpRequest) -> HttpResponse:
    if not reindex_start(actor=request.user):
        messages.info(request, _("A rebuild is running already; its progress is shown below."))
    return redirect("search_index")


# what the index page calls each place the index is kept
BACKEND_LABELS = {
    "postgresql": gettext_lazy("the database's full-text search"),
    "elasticsearch": "Elasticsearch",
}


def _index_context() -> dict:
    return {
        "entries": SearchEntry.objects.count(),
        "waiting": SearchChange.objects.count(),
        "backends": [
            BACKEND_LABELS.get(backend.name, backend.name) for backend in backend_for_writes()
        ],
        "state": reindex_state(),
        "last": reindex_last(),
    }
