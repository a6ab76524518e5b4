import re

import pytest
from django.core import mail
from django.core.cache import caches
from django.test import override_settings

from tenants.identity.models import User
from tenants.identity.roles import Role
from tests.conftest import PASSWORD
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def test_staff_log_in_and_out(tenant_a):
    client = tenant_a.client()
    response = login(client, tenant_a.owner_email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "Alice Alpha" in dashboard.content.decode()
    assert client.post("/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/login/")


def test_wrong_password_says_so_and_keeps_the_email(tenant_a):
    response = login(tenant_a.client(), tenant_a.owner_email, "wrong-password-123")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Please enter a correct email and password" in content
    assert tenant_a.owner_email in content


def test_repeated_failures_lock_the_account_out(tenant_a):
    client = tenant_a.client()
    for _ in range(5):
        login(client, tenant_a.owner_email, "wrong-password-123")
    response = login(client, tenant_a.owner_email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_lockout_in_one_tenant_does_not_lock_the_other(tenant_a, tenant_b):
    for _ in range(5):
        login(tenant_a.client(), "same@person.test", "wrong-password-123")
    assert login(tenant_b.client(), tenant_b.owner_email).status_code == 302


def test_global_limit_spans_tenants(tenant_a, tenant_b):
    caches["platform"].delete("login-attempts:10.9.8.7")
    with override_settings(GLOBAL_LOGIN_ATTEMPTS_PER_MINUTE=3):
        for handle in (tenant_a, tenant_b, tenant_a):
            login(handle.client(REMOTE_ADDR="10.9.8.7"), "x@y.test", "wrong-password-123")
        response = login(tenant_b.client(REMOTE_ADDR="10.9.8.7"), tenant_b.owner_email)
    assert response.status_code == 429


def test_password_reset_by_email_on_the_tenants_host(tenant_a):
    client = tenant_a.client()
    response = client.post("/password-reset/", {"email": tenant_a.owner_email})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"http://alpha\.localhost(/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    new_password = "Another-Sturdy-Password-9"
    done = client.post(set_url, {"new_password1": new_password, "new_password2": new_password})
    assert done["Location"] == "/reset/done/"
    assert login(tenant_a.client(), tenant_a.owner_email, new_password).status_code == 302


def test_password_reset_for_unknown_email_reveals_nothing(tenant_a):
    response = tenant_a.client().post("/password-reset/", {"email": "nobody@alpha.test"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


def test_session_of_one_tenant_is_useless_on_another(tenant_a, tenant_b):
    client = tenant_a.client()
    login(client, tenant_a.owner_email)
    session_id = client.cookies["sessionid"].value
    stranger = tenant_b.client()
    stranger.cookies["sessionid"] = session_id
    response = stranger.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    api = stranger.get("/api/v1/me/")
    assert api.status_code in (401, 403)


def test_customers_sign_in_to_the_portal_not_the_staff_app(
    tenant_a, django_capture_on_commit_callbacks
):
    customer = make_customer(
        tenant_a, django_capture_on_commit_callbacks, email="cora@client.test"
    ).user
    client = tenant_a.client()
    assert login(client, customer.email)["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200
    assert client.get("/")["Location"] == "/portal/"
    assert client.get("/team/").status_code == 403


def test_deactivated_user_cannot_sign_in_and_is_signed_out(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    rep_client = tenant_a.client(rep)
    assert rep_client.get("/").status_code == 200
    response = tenant_a.client(owner).post(f"/team/{rep.pk}/active/")
    assert response["Location"] == "/team/"
    assert rep_client.get("/")["Location"].startswith("/login/")
    assert login(tenant_a.client(), rep.email).status_code == 200
    with tenant_a.active():
        kept = User.objects.get(pk=rep.pk)
    assert kept.is_active is False
    assert kept.deactivated_at is not None
