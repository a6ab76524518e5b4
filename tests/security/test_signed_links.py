"""Signed links are bound to the company that mailed them: a link made on one company's host
does nothing on another's, even for a user with the same id, email and password hash; and a
link that grants access works once."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.core import mail
from django.db import connection

from crm_core.parties.services import contact_create
from portal.services.accounts import customer_invite, email_change_request
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.services.handoff import handoff_path_for
from tenants.identity.services.totp import totp_enable, totp_setup
from tenants.identity.services.users import invitation_create
from tests.conftest import TenantHandle
from tests.portal.conftest import make_customer, verify_link

pytestmark = pytest.mark.django_db


def _align_user_ids(*handles: TenantHandle) -> None:
    """The next user created in each company gets the same id."""
    ids = []
    for handle in handles:
        with handle.active(), connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM identity_user_id_seq")
            ids.append(cursor.fetchone()[0])
    for handle in handles:
        with handle.active(), connection.cursor() as cursor:
            cursor.execute("SELECT setval('identity_user_id_seq', %s)", [max(ids) + 1])


def test_an_email_change_link_of_company_b_does_not_change_a_customer_of_company_a(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    # given a customer in each company with the same user id
    _align_user_ids(tenant_a, tenant_b)
    capture = django_capture_on_commit_callbacks
    victim = make_customer(tenant_a, capture, email="victim@client.test")
    attacker = make_customer(tenant_b, capture, email="attacker@client.test")
    assert victim.user.pk == attacker.user.pk
    # when B's customer asks for an email change and A's customer opens that link
    with tenant_b.active(), capture(execute=True):
        link = email_change_request(user=attacker.user, email="attacker-new@evil.test")
    path = re.search(r"https?://[^/]+(/\S+)", link).group(1)
    response = tenant_a.client(victim.user).get(path, follow=True)
    # then A's customer keeps their email, and is told the link is not valid
    assert "not valid any more" in response.content.decode()
    with tenant_a.active():
        assert User.objects.get(pk=victim.user.pk).email == "victim@client.test"
    # and the link still works where it was made, once
    owner_b = tenant_b.client(attacker.user)
    owner_b.get(path)
    with tenant_b.active():
        assert User.objects.get(pk=attacker.user.pk).email == "attacker-new@evil.test"
    owner_b.get(path, follow=True)
    with tenant_b.active():
        assert User.objects.get(pk=attacker.user.pk).email == "attacker-new@evil.test"


def test_a_verification_link_of_company_b_opens_nothing_in_company_a(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    _align_user_ids(tenant_a, tenant_b)
    tenant_a.client().post(
        "/portal/signup/",
        {
            "full_name": "Vic",
            "email": "same@client.test",
            "password": "Sturdy-Password-2026",
            "accept": "on",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        tenant_b.client().post(
            "/portal/signup/",
            {
                "full_name": "Att",
                "email": "same@client.test",
                "password": "Sturdy-Password-2026",
                "accept": "on",
            },
        )
    b_link = verify_link("same@client.test")
    client = tenant_a.client()
    assert client.get(b_link).status_code == 404
    assert "_auth_user_id" not in client.session
    with tenant_a.active():
        assert not User.objects.get(email="same@client.test").is_active


def test_a_password_reset_link_of_company_b_is_refused_by_company_a(tenant_a, tenant_b):
    # given a staff member of A with the same id, email, password hash and last sign-in as B's
    _align_user_ids(tenant_a, tenant_b)
    victim = tenant_a.make_user(email="same.person@staff.test")
    twin = tenant_b.make_user(email="same.person@staff.test")
    assert victim.pk == twin.pk
    with tenant_b.active():
        twin = User.objects.get(pk=twin.pk)
    with tenant_a.active():
        User.objects.filter(pk=victim.pk).update(password=twin.password, last_login=None)
    with tenant_b.active():
        User.objects.filter(pk=twin.pk).update(last_login=None)
    # when B's reset link is opened on A's host
    tenant_b.client().post("/password-reset/", {"email": "same.person@staff.test"})
    path = re.search(r"http://beta\.localhost(/reset/\S+/)", mail.outbox[-1].body).group(1)
    response = tenant_a.client().get(path, follow=True)
    # then A does not offer to set a password
    assert b"new_password1" not in response.content
    # while on B's host the same link works
    assert b"new_password1" in tenant_b.client().get(path, follow=True).content


def test_a_verification_link_never_signs_in_an_account_with_two_factor_on(
    tenant_a, django_capture_on_commit_callbacks
):
    # given a verified customer who then switched two-factor sign-in on
    account = make_customer(tenant_a, django_capture_on_commit_callbacks, email="two@client.test")
    link = verify_link("two@client.test")
    with tenant_a.active():
        secret = totp_setup(user=account.user)
        totp_enable(user=account.user, code=pyotp.TOTP(secret).now())
    # when the old verification link is opened again
    client = tenant_a.client()
    response = client.get(link)
    # then it is refused and signs nobody in
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


def test_invitations_and_the_sign_in_handoff_of_company_b_open_nothing_in_company_a(
    tenant_a, tenant_b
):
    # given a user of A and of B with the same id, email, password hash and last sign-in
    _align_user_ids(tenant_a, tenant_b)
    victim = tenant_a.make_user(email="twin@staff.test")
    twin = tenant_b.make_user(email="twin@staff.test")
    with tenant_b.active():
        hashed = User.objects.get(pk=twin.pk).password
        User.objects.filter(pk=twin.pk).update(last_login=None)
        handoff = handoff_path_for(User.objects.get(pk=twin.pk))
        _invitation, staff_link = invitation_create(
            actor=tenant_b.owner(), email="new.colleague@staff.test", role=Role.SALES_REP
        )
        contact = contact_create(
            actor=tenant_b.owner(), data={"first_name": "Ivy", "emails": ["ivy@client.test"]}
        )
        portal_link = customer_invite(actor=tenant_b.owner(), contact=contact)
    with tenant_a.active():
        User.objects.filter(pk=victim.pk).update(password=hashed, last_login=None)
    client = tenant_a.client()
    # then none of B's links does anything on A's host
    assert client.get(handoff)["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    for link in (staff_link, portal_link):
        path = re.search(r"https?://[^/]+(/\S+)", link).group(1)
        assert client.get(path).status_code == 404, path
    # while on B's host the sign-in link works
    assert tenant_b.client().get(handoff)["Location"] == "/"
