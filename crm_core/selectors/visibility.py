from django.db.models import Q, QuerySet

from tenants.identity.models import User
from tenants.identity.roles import Visibility


def visible_to(queryset: QuerySet, user: User, owner_field: str = "owner") -> QuerySet:
    """Records with an owner, limited to what `user` may see: own, team or all.

    Every list, card, export, count and API queryset of owned records comes through here.
    """
    scope = user.visibility if user.is_staff_member else Visibility.OWN
    if scope == Visibility.ALL:
        return queryset
    if scope == Visibility.TEAM and user.team_id:
        return queryset.filter(Q(**{owner_field: user}) | Q(team_id=user.team_id))
    return queryset.filter(**{owner_field: user})


def can_assign_owners(user: User) -> bool:
    return user.is_staff_member and user.visibility != Visibility.OWN
