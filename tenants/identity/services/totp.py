"""Two-factor sign-in for staff and customers: time-based one-time codes (RFC 6238) from an
authenticator app. A code is accepted once: the last used time step is stored."""

from __future__ import annotations

import pyotp
import segno
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from tenants.identity.models import User


def totp_setup(*, user: User) -> str:
    """A new secret for the user (not active until a code from it is confirmed)."""
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled_at = None
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    return user.totp_secret


def totp_qr_svg(*, user: User) -> str:
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=connection.tenant.name
    )
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111827")


def totp_check(*, user: User, code: str) -> bool:
    """True once for a current code (the step before and after count too: clocks drift)."""
    code = "".join(ch for ch in str(code) if ch.isdigit())
    if not user.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = timezone.now()
    for drift in (-1, 0, 1):
        step = totp.timecode(now) + drift
        if step > user.totp_last_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                totp_last_step=step
            )
            user.totp_last_step = step
            return bool(updated)
    return False


def _code_required(user: User, code: str) -> None:
    if not totp_check(user=user, code=code):
        raise ValidationError({"code": [_("This code is not right. Try the newest one.")]})


def totp_enable(*, user: User, code: str) -> None:
    _code_required(user, code)
    user.totp_enabled_at = timezone.now()
    user.save(update_fields=["totp_enabled_at"])


def totp_disable(*, user: User, code: str) -> None:
    _code_required(user, code)
    user.totp_secret = ""
    user.totp_enabled_at = None
    user.save(update_fields=["totp_secret", "totp_enabled_at"])


def second_factor_required(user: User) -> bool:
    """Whether this user's sign-in needs a code after the password."""
    return user.totp_enabled_at is not None
