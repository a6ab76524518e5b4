"""The search contract both backends serve."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from search.documents import SearchDocument
from search.highlight import mark, snippet
from search.query import ParsedQuery
from tenants.identity.models import User
from tenants.identity.roles import Visibility

PAGE_SIZE = 20
CANDIDATES = 5_000  # matches ranked and counted per query; beyond that totals read "5,000+"
FACETS = ("kind", "channel", "owner_id", "segment_id", "stage_id")


@dataclass(frozen=True)
class Scope:
    """Whose records a user may find: the same own/team/all rule as every list."""

    everything: bool
    owner_id: int | None = None
    team_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Scope:
        visibility = user.visibility if user.is_staff_member else Visibility.OWN
        if visibility == Visibility.ALL:
            return cls(everything=True)
        if visibility == Visibility.TEAM and user.team_id:
            return cls(everything=False, owner_id=user.pk, team_id=user.team_id)
        return cls(everything=False, owner_id=user.pk)


@dataclass(frozen=True)
class SearchFilters:
    kind: str = ""
    channel: str = ""
    owner_id: int | None = None
    segment_id: int | None = None
    stage_id: int | None = None
    include_archived: bool = False

    def chosen(self) -> dict[str, str | int]:
        """The facet filters that are set, by field name."""
        values = {name: getattr(self, name) for name in FACETS}
        return {name: value for name, value in values.items() if value not in (None, "")}


@dataclass
class Hit:
    kind: str
    object_id: int
    title: str
    subtitle: str
    title_html: str  # HTML-safe: escaped text with <mark> around the matched words
    snippet: str  # HTML-safe, likewise: the part of the record's text that matched
    contact_id: int | None
    company_id: int | None
    channel: str
    occurred_at: datetime
    score: float


@dataclass
class SearchResults:
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    total_is_capped: bool = False
    facets: dict[str, list[tuple[str | int, int]]] = field(default_factory=dict)
    page: int = 1
    has_next: bool = False
    backend: str = ""
    notice: str = ""


def hit_make(parsed: ParsedQuery, *, title: str, body: str, **values) -> Hit:
    words = parsed.every_word
    return Hit(
        title=title,
        title_html=mark(title, words),
        snippet=snippet(body, words) if body else "",
        **values,
    )


class Backend(Protocol):
    name: str

    def query(
        self, parsed: ParsedQuery, *, filters: SearchFilters, scope: Scope, page: int
    ) -> SearchResults: ...

    def upsert(self, documents: list[SearchDocument]) -> None: ...

    def delete(self, kind: str, ids: list[int]) -> None: ...

    def stale_delete(self, *, before: datetime) -> None: ...
