"""Two-factor sign-in for customers: time-based one-time codes (RFC 6238) from an
authenticator app. A code is accepted once: the last used time step is stored."""

from __future__ import annotations

import pyotp
import segno
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import CustomerAccount


def totp_setup(*, account: CustomerAccount) -> str:
    """A new secret for the account (not active until a code from it is confirmed)."""
    account.totp_secret = pyotp.random_base32()
    account.totp_enabled_at = None
    account.save(update_fields=["totp_secret", "totp_enabled_at"])
    return account.totp_secret


def totp_qr_svg(*, account: CustomerAccount) -> str:
    uri = pyotp.TOTP(account.totp_secret).provisioning_uri(
        name=account.user.email, issuer_name=connection.tenant.name
    )
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#111827")


def totp_check(*, account: CustomerAccount, code: str) -> bool:
    """True once for a current code (the step before and after count too: clocks drift)."""
    code = "".join(ch for ch in str(code) if ch.isdigit())
    if not account.totp_secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(account.totp_secret)
    now = timezone.now()
    for drift in (-1, 0, 1):
        step = totp.timecode(now) + drift
        if step > account.totp_last_step and pyotp.utils.strings_equal(
            totp.generate_otp(step), code
        ):
            updated = CustomerAccount.objects.filter(pk=account.pk, totp_last_step__lt=step).update(
                totp_last_step=step
            )
            account.totp_last_step = step
            return bool(updated)
    return False


def totp_enable(*, account: CustomerAccount, code: str) -> None:
    if not totp_check(account=account, code=code):
        raise ValidationError({"code": [_("This code is not right. Try the newest one.")]})
    account.totp_enabled_at = timezone.now()
    account.save(update_fields=["totp_enabled_at"])


def totp_disable(*, account: CustomerAccount, code: str) -> None:
    if not totp_check(account=account, code=code):
        raise ValidationError({"code": [_("This code is not right. Try the newest one.")]})
    account.totp_secret = ""
    account.totp_enabled_at = None
    account.save(update_fields=["totp_secret", "totp_enabled_at"])


def second_factor_required(user) -> bool:
    """Whether this user's sign-in needs a code after the password."""
    return (
        user.is_customer
        and CustomerAccount.objects.filter(user=user, totp_enabled_at__isnull=False).exists()
    )
