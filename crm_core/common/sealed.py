"""Credentials a company stores (an API token, a mailbox password) sealed at rest: encrypted
with the platform's CREDENTIALS_KEY (Fernet: AES-128-CBC with an HMAC-SHA256), readable with
it or one of CREDENTIALS_OLD_KEYS, so that a key can be rotated."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SealBroken(Exception):
    """The sealed text was not sealed with any key this platform has (or was altered)."""


@cache
def _keys(current: str, old: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not current:
        # no key set: one derived from SECRET_KEY (changing SECRET_KEY then loses the secrets)
        current = base64.urlsafe_b64encode(
            hashlib.sha256(b"tenantly-credentials:" + secret_key.encode()).digest()
        ).decode()
    return MultiFernet([Fernet(key) for key in (current, *old)])


def _fernet() -> MultiFernet:
    return _keys(
        settings.CREDENTIALS_KEY, tuple(settings.CREDENTIALS_OLD_KEYS), settings.SECRET_KEY
    )


def seal(text: str) -> str:
    """The text encrypted (blank stays blank: nothing stored)."""
    return _fernet().encrypt(text.encode()).decode() if text else ""


def unseal(sealed: str) -> str:
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise SealBroken("stored with a key this platform does not have") from error
