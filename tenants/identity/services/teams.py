"""Teams: departments holding teams holding people, and who was in which team when.

A move is dated: the person's open membership ends the day before, a new one starts that day,
and `User.team` (which record visibility reads) follows once the day has come.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.identity.models import Team, TeamMembership, User


def require_team_manager(actor: User) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators manage the team."))


def _parent_check(team: Team | None, parent: Team | None) -> None:
    seen = {team.pk} if team is not None and team.pk else set()
    while parent is not None:
        if parent.pk in seen:
            raise ValidationError(
                {"parent": _("A team cannot be part of itself or of a team under it.")}
            )
        seen.add(parent.pk)
        parent = parent.parent


@transaction.atomic
def team_save(*, actor: User, name: str, parent: Team | None, team: Team | None = None) -> Team:
    """A new team, or a team renamed or moved under another (never under itself)."""
    require_team_manager(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the team a name.")})
    same = Team.objects.filter(name__iexact=name)
    if team is not None:
        same = same.exclude(pk=team.pk)
    if same.exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    _parent_check(team, parent)
    team = team or Team()
    team.name, team.parent = name, parent
    team.save()
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """A team with nobody in it now and no team under it; its past memberships go with it."""
    require_team_manager(actor)
    if team.children.exists():
        raise ValidationError(
            _("Move or delete the teams under “%(name)s” first.") % {"name": team}
        )
    if team.members.exists():
        raise ValidationError(_("Move the people of “%(name)s” first.") % {"name": team})
    team.delete()


@transaction.atomic
def member_move(*, user: User, team: Team | None, since: date | None = None) -> User:
    """Put the person in `team` (or in none) from the day `since` (today when not given).

    The day may be in the past (a move recorded late): not before the current membership
    began, so history is never rewritten, and never in the future."""
    today = timezone.localdate()
    since = since or today
    if since > today:
        raise ValidationError(
            {"since": _("A move is recorded on the day it happens or later, not ahead.")}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    current = TeamMembership.objects.filter(user=user, ended_on=None).first()
    if current is not None and current.team_id == (team.pk if team else None):
        return user
    if current is not None:
        if since < current.started_on:
            raise ValidationError(
                {
                    "since": _(
                        "%(name)s has been in “%(team)s” since %(day)s; "
                        "a move cannot come before that."
                    )
                    % {"name": user, "team": current.team, "day": current.started_on.isoformat()}
                }
            )
        if since == current.started_on:
            current.delete()
        else:
            current.ended_on = since - timedelta(days=1)
            current.save(update_fields=["ended_on"])
    if team is not None:
        TeamMembership.objects.create(user=user, team=team, started_on=since)
    user.team = team
    user.save(update_fields=["team"])
    return user
