"""One-time sign-in links that carry a fresh login from the public site to a tenant's host.

Cookies are host-only, so the session created at signup cannot follow the user to
`<subdomain>.<BASE_DOMAIN>`. The link holds a token bound to the user's last login and password
hash: it expires after two minutes and stops working once it has been used (login changes
`last_login`).
"""

from django.utils.encoding import force_bytes, force_str
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from tenants.identity.models import User
from tenants.identity.services.links import CompanyTokenGenerator

HANDOFF_SECONDS = 120


class _HandoffTokenGenerator(CompanyTokenGenerator):
    key_salt = "tenantly.identity.handoff"

    def check_token(self, user, token) -> bool:
        if not super().check_token(user, token):
            return False
        issued_at = base36_to_int(token.split("-")[0])
        return self._num_seconds(self._now()) - issued_at <= HANDOFF_SECONDS


handoff_tokens = _HandoffTokenGenerator()


def handoff_path_for(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"/auth/handoff/{uid}/{handoff_tokens.make_token(user)}/"


def handoff_user(*, uidb64: str, token: str) -> User | None:
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)), is_active=True)
    except (User.DoesNotExist, ValueError, TypeError, OverflowError):
        return None
    return user if handoff_tokens.check_token(user, token) else None
