"""Two-factor sign-in for staff: set up from the profile, a code after the password on the
staff sign-in page and the token API, each code once."""

import pyotp
import pytest

from tenants.identity.models import User
from tenants.identity.roles import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _switched_on(tenant, user) -> tuple[str, str]:
    """Two-factor sign-in switched on through the security page; (secret, code used)."""
    client = tenant.client(user)
    assert "security-link" in client.get("/settings/profile/").content.decode()
    page = client.get("/settings/security/")
    assert "totp-setup" in page.content.decode()
    client.post("/settings/security/", {"action": "setup"})
    with tenant.active():
        secret = User.objects.get(pk=user.pk).totp_secret
    page = client.get("/settings/security/").content.decode()
    assert "totp-qr" in page
    assert secret in page
    wrong = client.post("/settings/security/", {"action": "enable", "code": "000000"})
    assert "This code is not right" in wrong.content.decode()
    code = pyotp.TOTP(secret).now()
    on = client.post("/settings/security/", {"action": "enable", "code": code}, follow=True)
    assert 'data-testid="totp-on"' in on.content.decode()
    return secret, code


def _fresh_step(tenant, user) -> None:
    """Forget the last step used, so that a code of the current step counts again (a test
    cannot wait for the next 30-second step)."""
    with tenant.active():
        User.objects.filter(pk=user.pk).update(totp_last_step=0)


def test_staff_sign_in_asks_for_the_code_after_the_password(tenant_a, tenant_b):
    rep = tenant_a.make_user(Role.SALES_REP)
    secret, used = _switched_on(tenant_a, rep)

    client = tenant_a.client()
    step = client.post("/login/", {"username": rep.email, "password": PASSWORD})
    assert step["Location"].startswith("/login/code/")
    assert client.get("/")["Location"].startswith("/login/")  # not signed in yet
    # the code that switched it on is spent
    replay = client.post("/login/code/", {"code": used})
    assert "This code is not right" in replay.content.decode()
    bad = client.post("/login/code/", {"code": "12345"})
    assert "This code is not right" in bad.content.decode()
    _fresh_step(tenant_a, rep)
    done = client.post("/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == "/"
    assert client.get("/").status_code == 200
    # the other company's host knows nothing of this sign-in
    assert tenant_b.client().get("/login/code/")["Location"].startswith("/login/")


def test_the_code_step_expires_and_needs_the_password_first(tenant_a):
    client = tenant_a.client()
    assert client.get("/login/code/")["Location"] == "/login/"
    rep = tenant_a.make_user(Role.SALES_REP)
    secret, _used = _switched_on(tenant_a, rep)
    client.post("/login/", {"username": rep.email, "password": PASSWORD})
    session = client.session
    session["second_factor"]["at"] -= 301
    session.save()
    _fresh_step(tenant_a, rep)
    late = client.post("/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert late["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_the_token_api_asks_staff_for_the_code_too(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    secret, _used = _switched_on(tenant_a, rep)
    api = tenant_a.client()
    body = {"email": rep.email, "password": PASSWORD, "name": "Script"}
    without = api.post("/api/v1/auth/token/", body, content_type="application/json")
    assert without.status_code == 401
    assert "otp" in without.json()["detail"]
    _fresh_step(tenant_a, rep)
    code = pyotp.TOTP(secret).now()
    token = api.post("/api/v1/auth/token/", {**body, "otp": code}, content_type="application/json")
    assert token.status_code == 201
    again = api.post("/api/v1/auth/token/", {**body, "otp": code}, content_type="application/json")
    assert again.status_code == 401


def test_switching_it_off_takes_a_code(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    secret, _used = _switched_on(tenant_a, rep)
    client = tenant_a.client(rep)
    client.post("/settings/security/", {"action": "setup"})  # cannot replace an active secret
    client.post("/settings/security/", {"action": "disable", "code": "123456"})
    with tenant_a.active():
        kept = User.objects.get(pk=rep.pk)
    assert (kept.totp_secret, kept.totp_enabled_at is not None) == (secret, True)
    _fresh_step(tenant_a, rep)
    client.post("/settings/security/", {"action": "disable", "code": pyotp.TOTP(secret).now()})
    with tenant_a.active():
        off = User.objects.get(pk=rep.pk)
    assert (off.totp_secret, off.totp_enabled_at) == ("", None)
    plain = tenant_a.client().post("/login/", {"username": rep.email, "password": PASSWORD})
    assert plain["Location"] == "/"
