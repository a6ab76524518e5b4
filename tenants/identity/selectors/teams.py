"""Reading teams: the tree, the teams under one, and who was in them over a span of days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from tenants.identity.models import Team, TeamMembership, User


@dataclass(frozen=True)
class Window:
    """A person in a team from `start` to `end` (days included; None: open on that side)."""

    user: int
    start: date | None
    end: date | None


def team_tree() -> list[tuple[Team, int]]:
    """Every team with its depth, each followed by the teams under it (by name)."""
    teams = list(Team.objects.order_by("name"))
    below: dict[int | None, list[Team]] = {}
    for team in teams:
        below.setdefault(team.parent_id, []).append(team)
    tree: list[tuple[Team, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for team in below.get(parent, []):
            tree.append((team, depth))
            walk(team.pk, depth + 1)

    walk(None, 0)
    return tree


def teams_below(team_id: int) -> list[int]:
    """The team and every team under it, at any depth."""
    parents = dict(Team.objects.values_list("pk", "parent_id"))
    found, frontier = [team_id], [team_id]
    while frontier:
        frontier = [pk for pk, parent in parents.items() if parent in frontier and pk not in found]
        found += frontier
    return found


def team_windows(
    team_id: int | None, start: date | None = None, end: date | None = None
) -> list[Window]:
    """Who was in the team (or a team under it) between `start` and `end`, and for which days
    of that span. A person with no dated membership at all counts as in their current team
    all along (accounts made before teams were dated, or by a script)."""
    if team_id is None:
        return []
    teams = teams_below(team_id)
    rows = TeamMembership.objects.filter(team__in=teams)
    if end is not None:
        rows = rows.filter(started_on__lte=end)
    if start is not None:
        rows = rows.filter(Q(ended_on=None) | Q(ended_on__gte=start))
    windows = [
        Window(
            user,
            max(began, start) if start else began,
            min(filter(None, (ended, end)), default=None),
        )
        for user, began, ended in rows.values_list("user", "started_on", "ended_on")
    ]
    undated = User.objects.filter(team__in=teams, memberships=None).values_list("pk", flat=True)
    return windows + [Window(user, start, end) for user in undated]


def members_on(team_id: int | None, day: date) -> list[int]:
    """The people in the team (or under it) on the day."""
    return sorted({window.user for window in team_windows(team_id, day, day)})
