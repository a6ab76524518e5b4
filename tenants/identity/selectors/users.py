from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tenants.identity.models import ApiToken, Invitation, User
from tenants.identity.roles import Role


def staff_list() -> QuerySet[User]:
    return (
        User.objects.exclude(role=Role.CUSTOMER)
        .select_related("team")
        .order_by("-is_active", "full_name")
    )


def invitations_pending() -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).select_related("invited_by", "team")


def staff_user_get(*, pk: int) -> User:
    """A staff member of this tenant, or 404 (customers are not managed here)."""
    user = staff_list().filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def company_owner() -> User | None:
    """The company's longest-standing active owner: who looks after what nobody else was given
    (new portal customers, callers and form visitors without a colleague of their own)."""
    return (
        User.objects.filter(role=Role.OWNER, is_active=True).order_by("date_joined", "pk").first()
    )
