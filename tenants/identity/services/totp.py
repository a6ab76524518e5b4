"""Two-factor sign-in for staff and customers: time-based one-time codes (RFC 6238) from an
authenticator app. A code is accepted once: the last used time step is stored."""

from __future__ import annotations

import enum
from datetime import timedelta

import pyotp
import segno
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tenants.identity.models import User
from tenants.typing import connection


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


# Wrong codes at sign-in an account takes in a row (by any client, on any page or the API)
# before its code step closes for SIGN_IN_LOCK; a right code starts the count again.
SIGN_IN_FAILURES = 10
SIGN_IN_LOCK = timedelta(minutes=15)
TOO_MANY_CODES = gettext_noop(
    "Too many wrong codes. Sign in again with your password; after repeated mistakes the code "
    "step stays closed for 15 minutes."
)


class CodeCheck(enum.Enum):
    RIGHT = "right"
    WRONG = "wrong"
    LOCKED = "locked"


def totp_sign_in_check(*, user: User, code: str) -> CodeCheck:
    """The code step of a sign-in: RIGHT once for a current code; WRONG for another; LOCKED,
    for any code, while the account's code step is closed after SIGN_IN_FAILURES wrong ones."""
    now = timezone.now()
    with transaction.atomic():
        # the row stays locked until the count is written: parallel guesses queue up here
        locked_until, failures = (
            User.objects.select_for_update()
            .filter(pk=user.pk)
            .values_list("totp_locked_until", "totp_failures")
            .get()
        )
        if locked_until is not None and locked_until > now:
            return CodeCheck.LOCKED
        if totp_check(user=user, code=code):
            User.objects.filter(pk=user.pk).update(totp_failures=0, totp_locked_until=None)
            return CodeCheck.RIGHT
        if failures + 1 < SIGN_IN_FAILURES:
            User.objects.filter(pk=user.pk).update(totp_failures=failures + 1)
            return CodeCheck.WRONG
        User.objects.filter(pk=user.pk).update(
            totp_failures=0, totp_locked_until=now + SIGN_IN_LOCK
        )
        return CodeCheck.LOCKED


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
