"""Two-factor codes cannot be guessed without limit after the right password: a pending
sign-in takes five wrong codes, then the password is asked again; an account takes ten in a
row, by any client, then its code step is closed for a while, whatever the client address."""

from __future__ import annotations

import pyotp
import pytest

from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.services.totp import SIGN_IN_FAILURES, totp_enable, totp_setup
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _with_two_factor(tenant) -> tuple[User, str]:
    rep = tenant.make_user(Role.SALES_REP)
    with tenant.active():
        secret = totp_setup(user=rep)
        totp_enable(user=rep, code=pyotp.TOTP(secret).now())
        User.objects.filter(pk=rep.pk).update(totp_last_step=0)
    return rep, secret


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_pending_sign_in_takes_five_wrong_codes_then_asks_for_the_password(tenant_a):
    rep, secret = _with_two_factor(tenant_a)
    client = tenant_a.client()
    client.post("/login/", {"username": rep.email, "password": PASSWORD})
    wrong = _wrong(pyotp.TOTP(secret).now())
    answers = [client.post("/login/code/", {"code": wrong}) for _ in range(5)]
    assert [answer.status_code for answer in answers[:4]] == [200] * 4
    assert answers[4]["Location"] == "/login/"
    # the right code no longer helps: the pending sign-in is gone
    late = client.post("/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert late["Location"] == "/login/"
    assert client.get("/")["Location"].startswith("/login/")


def test_an_account_closes_its_code_step_after_ten_wrong_codes_from_any_address(tenant_a):
    rep, secret = _with_two_factor(tenant_a)
    body = {"email": rep.email, "password": PASSWORD}
    wrong = _wrong(pyotp.TOTP(secret).now())
    answers = [
        tenant_a.client(REMOTE_ADDR=f"10.0.0.{n}")
        .post("/api/v1/auth/token/", {**body, "otp": wrong}, content_type="application/json")
        .status_code
        for n in range(SIGN_IN_FAILURES)
    ]
    assert answers == [401] * (SIGN_IN_FAILURES - 1) + [429]
    # now even the right code is refused, on the API and on the sign-in page
    right = pyotp.TOTP(secret).now()
    api = tenant_a.client(REMOTE_ADDR="10.0.1.1").post(
        "/api/v1/auth/token/", {**body, "otp": right}, content_type="application/json"
    )
    assert api.status_code == 429
    page = tenant_a.client(REMOTE_ADDR="10.0.1.2")
    page.post("/login/", {"username": rep.email, "password": PASSWORD})
    refused = page.post("/login/code/", {"code": right})
    assert refused["Location"] == "/login/"
    with tenant_a.active():
        assert User.objects.get(pk=rep.pk).totp_locked_until is not None
        # once the lock has passed, the right code signs in and the count starts again
        User.objects.filter(pk=rep.pk).update(totp_locked_until=None)
    opened = tenant_a.client(REMOTE_ADDR="10.0.1.3").post(
        "/api/v1/auth/token/", {**body, "otp": right}, content_type="application/json"
    )
    assert opened.status_code == 201
    with tenant_a.active():
        assert User.objects.get(pk=rep.pk).totp_failures == 0
