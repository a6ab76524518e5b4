"""Keyset (cursor) pagination for every list, in the API and on pages alike: the cost of a page
does not grow with how deep it is, and each allowed ordering is backed by an index."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class KeysetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@dataclass
class Ordering:
    """What a list may be sorted by (each needs an index), for pages and API views."""

    fields: tuple[str, ...]
    default: str
    filter_backends: list = field(default_factory=lambda: [OrderingFilter])

    @property
    def ordering_fields(self) -> tuple[str, ...]:
        return self.fields

    @property
    def ordering(self) -> str:
        return self.default


@dataclass
class Page:
    items: list
    next_url: str | None
    previous_url: str | None
    ordering: str


def paginate(request: HttpRequest, queryset, ordering: Ordering) -> Page:
    """One keyset page of `queryset` for an HTML view, with links that keep the filters."""
    drf_request = Request(request)
    paginator = KeysetPagination()
    items = paginator.paginate_queryset(queryset, drf_request, view=ordering)
    return Page(
        items=list(items),
        next_url=paginator.get_next_link(),
        previous_url=paginator.get_previous_link(),
        ordering=paginator.ordering[0],
    )


def keyset_response(request: Request, queryset, ordering: Ordering, serializer_class):
    """An API list answer: one keyset page of `queryset`, serialised, with next/previous."""
    paginator = KeysetPagination()
    page = paginator.paginate_queryset(queryset, request, view=ordering)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
