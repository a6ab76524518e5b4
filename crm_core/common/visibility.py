from django.db.models import Q, QuerySet
from django.http import Http404

from tenants.identity.models import User
from tenants.identity.roles import Visibility


def visibility_scope(user: User) -> Visibility:
    """How far `user` sees records with an owner: all, the team's, or their own (customers
    and anyone else not staff: their own)."""
    return user.visibility if user.is_staff_member else Visibility.OWN


def visibility_q(user: User, owner_field: str = "owner") -> Q:
    """The condition on records with an owner that `user` may see: own, team or all."""
    scope = visibility_scope(user)
    if scope == Visibility.ALL:
        return Q()
    if scope == Visibility.TEAM and user.team_id:
        return Q(**{owner_field: user}) | Q(team_id=user.team_id)
    return Q(**{owner_field: user})


def visible_to(queryset: QuerySet, user: User, owner_field: str = "owner") -> QuerySet:
    """Records with an owner, limited to what `user` may see.

    Every list, card, export, count and API queryset of owned records comes through here.
    """
    return queryset.filter(visibility_q(user, owner_field))


def visible_owner(user: User, owner_id: int | None, team_id: int | None) -> bool:
    """Whether `user` may see a record of this owner and team (the same rule, in Python, for
    what is pushed to open pages)."""
    scope = visibility_scope(user)
    if scope == Visibility.ALL:
        return True
    if scope == Visibility.TEAM and user.team_id and team_id == user.team_id:
        return True
    return owner_id == user.pk


def can_assign_owners(user: User) -> bool:
    return user.is_staff_member and user.visibility != Visibility.OWN


def can_open(getter, user: User, pk: int) -> bool:
    """Whether `getter` (a `*_get_for_user` selector) gives the user the record: the websocket
    consumers join a record's group only when its page would open."""
    try:
        getter(user=user, pk=pk)
    except Http404:
        return False
    return True
