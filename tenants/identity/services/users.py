from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services.subscriptions import seat_check
from tenants.identity.models import Invitation, Team, User
from tenants.identity.roles import INVITABLE_ROLES, Role
from tenants.identity.services.roles import user_role_apply
from tenants.identity.services.teams import member_move, require_team_manager
from tenants.identity.tasks import invitation_email_send
from tenants.links import tenant_url
from tenants.queue import enqueue_after_commit
from tenants.realtime import broadcast_after_commit, group_name

INVITATION_LIFETIME = timedelta(days=7)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def user_create(
    *,
    email: str,
    full_name: str,
    password: str | None,
    role: Role,
    team: Team | None = None,
    is_active: bool = True,
    language: str = "",
) -> User:
    """A user of the current company; a password is checked against every validator (length,
    common words, likeness to the user's name and email, zxcvbn's strength) on any path."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this email already exists.")})
    if password is not None:
        try:
            validate_password(password, User(email=email, full_name=full_name))
        except ValidationError as error:
            raise ValidationError({"password": list(error.messages)}) from None
    if role != Role.CUSTOMER and is_active:
        seat_check(used=seats_used)
    user = User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name.strip(),
        role=role,
        is_active=is_active,
        language=language,
    )
    if team is not None:
        member_move(user=user, team=team)
        user.refresh_from_db(fields=["team"])
    user_role_apply(user=user, role=role)
    return user


@transaction.atomic
def invitation_create(
    *, actor: User, email: str, role: Role, full_name: str = "", team: Team | None = None
) -> tuple[Invitation, str]:
    """Invite a colleague by email; returns the invitation and the link sent to them."""
    require_team_manager(actor)
    email = email.strip().lower()
    if role not in INVITABLE_ROLES:
        raise ValidationError({"role": _("This role cannot be given by invitation.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("This person already has an account here.")})
    seat_check(used=seats_used)
    Invitation.objects.filter(email=email, accepted_at=None, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    secret = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name,
        role=role,
        team=team,
        invited_by=actor,
        token_hash=_hash(secret),
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = tenant_url(f"/invite/{secret}/")
    # without a broker the inviter still has the link to pass on by hand
    enqueue_after_commit(invitation_email_send, invitation.pk, link)
    return invitation, link


def invitation_get_by_secret(*, secret: str) -> Invitation | None:
    invitation = Invitation.objects.filter(token_hash=_hash(secret)).first()
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise ValidationError(_("This invitation is no longer valid."))
    user = user_create(
        email=invitation.email,
        full_name=full_name,
        password=password,
        role=Role(invitation.role),
        team=invitation.team,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


def invitation_revoke(*, actor: User, invitation: Invitation) -> None:
    require_team_manager(actor)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def user_change_role(
    *, actor: User, user: User, role: Role, team: Team | None, since: date | None = None
) -> User:
    """The person's role, and their team from the day `since` (today when not given)."""
    require_team_manager(actor)
    if user.role == Role.OWNER or role not in INVITABLE_ROLES:
        raise ValidationError({"role": _("The owner's role cannot be changed here.")})
    member_move(user=user, team=team, since=since)
    user.refresh_from_db(fields=["team"])
    user.role = role
    user.save(update_fields=["role"])
    user_role_apply(user=user, role=role)
    return user


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Free the seat; the account, its records and its history stay."""
    require_team_manager(actor)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if user.role == Role.OWNER:
        raise ValidationError(_("The owner cannot be deactivated."))
    user.is_active = False
    user.deactivated_at = timezone.now()
    user.save(update_fields=["is_active", "deactivated_at"])
    user.api_tokens.filter(revoked_at=None).update(revoked_at=timezone.now())
    # Their open pages stop getting live updates now, not at their next reconnect.
    broadcast_after_commit([group_name("user", user.pk)], {"type": "session.ended"})
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    require_team_manager(actor)
    if not user.is_active and user.role != Role.CUSTOMER:
        seat_check(used=seats_used)
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    return user


def seats_used() -> int:
    return User.objects.filter(is_active=True).exclude(role=Role.CUSTOMER).count()
