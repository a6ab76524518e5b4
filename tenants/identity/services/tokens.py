from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone

from tenants.identity.models import ApiToken, User

TOKEN_PREFIX = "tly"  # noqa: S105 - a label, not a secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the returned plain value is shown once and never stored."""
    prefix = secrets.token_hex(5)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "API", prefix=prefix, key_hash=_digest(secret)
    )
    return token, f"{TOKEN_PREFIX}_{prefix}_{secret}"


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token (with its active user) that `raw` stands for, or None."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _, prefix, secret = parts
    token = (
        ApiToken.objects.select_related("user")
        .filter(prefix=prefix, revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, _digest(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        token.save(update_fields=["last_used_at"])
    return token


def api_token_revoke(*, user: User, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, pk=token_id, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )
