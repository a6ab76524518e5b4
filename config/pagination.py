"""Keyset (cursor) pagination for every list, in the API and on pages alike: the cost of a page
does not grow with how deep it is, and each allowed ordering is backed by an index."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class KeysetPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApiKeysetPagination(KeysetPagination):
    """The API's: a `page_size` that is not a whole number from 1 to max_page_size is a 400
    (pages fall back to the default size instead)."""

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)


# The query parameters of every keyset-paginated API list.
KEYSET_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The cursor of a `next` or `previous` link."),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": KeysetPagination.max_page_size},
        description=f"Records per page (default {KeysetPagination.page_size}).",
    ),
]


def paginated(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """The OpenAPI shape of a keyset page of `serializer_class` (`keyset_response`)."""
    name = serializer_class.__name__.removesuffix("Serializer").removesuffix("Output")
    page = inline_serializer(
        name=f"Paginated{name}List",
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
    page.keyset_page = True  # its operation is a list (config.api.AutoSchema)
    return page


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


# A list counts its rows up to this many and says "more than" beyond: counting a million
# rows costs what reading them does, and no one needs the exact figure to page through them.
COUNT_LIMIT = 10_000


@dataclass
class Page:
    items: list
    next_url: str | None
    previous_url: str | None
    ordering: str
    total: int = 0
    total_capped: bool = False  # more than `total` rows


def bounded_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """The rows of `queryset`, counted up to `limit` (COUNT_LIMIT), and whether there are
    more."""
    limit = COUNT_LIMIT if limit is None else limit
    count = queryset.order_by()[: limit + 1].count()
    return min(count, limit), count > limit


def paginate(request: HttpRequest, queryset, ordering: Ordering) -> Page:
    """One keyset page of `queryset` for an HTML view, with links that keep the filters, and
    the list's (bounded) count."""
    drf_request = Request(request)
    paginator = KeysetPagination()
    items = paginator.paginate_queryset(queryset, drf_request, view=ordering)
    total, capped = bounded_count(queryset)
    return Page(
        items=list(items),
        next_url=paginator.get_next_link(),
        previous_url=paginator.get_previous_link(),
        ordering=paginator.ordering[0],
        total=total,
        total_capped=capped,
    )


def keyset_response(request: Request, queryset, ordering: Ordering, serializer_class):
    """An API list answer: one keyset page of `queryset`, serialised, with next/previous."""
    paginator = ApiKeysetPagination()
    page = paginator.paginate_queryset(queryset, request, view=ordering)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
