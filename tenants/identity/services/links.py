"""Signed links that a company mails (portal sign-up, invitations, email changes, password
resets, the sign-in handoff from the public site, unsubscribe links).

Every token is bound to the company that made it: its schema is both a claim and part of the
signing salt, so a link made on one company's host means nothing on another's, even for a
user with the same id. Single use comes from the claims: each token names the state it was
made for (the user's email, the address asked for, the password hash) and is refused once that
state moved on.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing

from tenants.typing import connection


def _salt(purpose: str) -> str:
    return f"tenantly.link.{connection.schema_name}.{purpose}"


def link_sign(*, purpose: str, claims: dict[str, Any]) -> str:
    """A URL-safe token carrying `claims` for `purpose` in the current company."""
    return signing.dumps({**claims, "s": connection.schema_name, "p": purpose}, salt=_salt(purpose))


def link_read(token: str, *, purpose: str, max_age: int) -> dict[str, Any] | None:
    """The claims of a token made in this company for `purpose`, younger than `max_age`
    seconds; None for anything else (another company's, another purpose's, expired, forged)."""
    try:
        data = signing.loads(token, salt=_salt(purpose), max_age=max_age)
    except signing.BadSignature:
        return None
    if (
        not isinstance(data, dict)
        or data.get("s") != connection.schema_name
        or data.get("p") != purpose
    ):
        return None
    return data


class CompanyTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset tokens (single use: they hash the password, the last sign-in
    and the email), also hashing the company's schema, so that a user of another company with
    the same id, email and even password hash cannot use them."""

    key_salt = "tenantly.identity.password-reset"

    def _make_hash_value(self, user, timestamp: int) -> str:
        return f"{connection.schema_name}:{super()._make_hash_value(user, timestamp)}"


password_reset_tokens = CompanyTokenGenerator()
