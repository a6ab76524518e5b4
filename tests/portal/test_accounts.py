"""Customer accounts: sign-up with email verification and linking to the right contact, sign-in
and its refusals, invitations by staff, email change, two-factor sign-in."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.core import mail

from crm_core.activities.models import Interaction
from crm_core.notifications.models import Notification
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from portal.models import CustomerAccount, PortalBranding
from tenants.identity.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import make_customer, verify_link

pytestmark = pytest.mark.django_db


def signup(client, email="dora@client.test", **extra):
    data = {
        "full_name": "Dora Explorer",
        "email": email,
        "password": PASSWORD,
        "accept": "on",
        **extra,
    }
    return client.post("/portal/signup/", data)


def test_signup_verifies_the_email_before_the_account_opens(
    tenant_a, django_capture_on_commit_callbacks
):
    client = tenant_a.client()
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client)
    assert response["Location"] == "/portal/signup/sent/"
    assert "dora@client.test" in client.get("/portal/signup/sent/").content.decode()
    with tenant_a.active():
        user = User.objects.get(email="dora@client.test")
        assert (user.is_active, user.role) == (False, "customer")
        assert user.customer_account.contact is None
    # before the link: the right password says to confirm the email, and mails the link again
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(
            "/portal/login/", {"username": "dora@client.test", "password": PASSWORD}
        )
    assert refused.status_code == 200
    assert "Confirm your email first" in refused.content.decode()
    assert len(mail.outbox) == 1
    # the link opens the account, links a new contact and signs in
    opened = client.get(verify_link("dora@client.test"))
    assert opened["Location"] == "/portal/"
    home = client.get("/portal/")
    assert "Hello, Dora" in home.content.decode()
    with tenant_a.active():
        account = CustomerAccount.objects.get(user__email="dora@client.test")
        contact = account.contact
        assert (contact.first_name, contact.last_name, contact.emails) == (
            "Dora",
            "Explorer",
            ["dora@client.test"],
        )
        assert Interaction.objects.filter(contact=contact, channel="portal").count() == 1
        assert Notification.objects.filter(kind="portal_signup", recipient=contact.owner).exists()
    # the link verified once: used again, in any browser, it neither verifies nor signs in
    again = tenant_a.client()
    assert again.get(verify_link("dora@client.test")).status_code == 404
    assert "_auth_user_id" not in again.session


def test_signup_links_an_existing_contact_only_after_verification(
    tenant_a, django_capture_on_commit_callbacks
):
    with tenant_a.active():
        known = contact_create(
            actor=tenant_a.owner(),
            data={"first_name": "Known", "last_name": "Client", "emails": ["known@client.test"]},
        )
    client = tenant_a.client()
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, email="KNOWN@client.test")
    with tenant_a.active():
        assert not CustomerAccount.objects.filter(contact=known).exists()
    client.get(verify_link("known@client.test"))
    with tenant_a.active():
        assert CustomerAccount.objects.get(user__email="known@client.test").contact == known
        assert Contact.objects.filter(emails__contains=["known@client.test"]).count() == 1


def test_bad_signups_are_refused_field_by_field(tenant_a, customer):
    client = tenant_a.client()
    weak = signup(client, email="weak@client.test", password="12345678")
    assert weak.status_code == 200
    assert "password" in weak.context["form"].errors
    no_consent = signup(client, email="quiet@client.test", accept="")
    assert "accept" in no_consent.context["form"].errors
    with tenant_a.active():
        assert not User.objects.filter(email__in=["weak@client.test", "quiet@client.test"])


def test_a_forged_or_foreign_link_opens_nothing(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    client_b = tenant_b.client()
    with django_capture_on_commit_callbacks(execute=True):
        signup(client_b, email="bea@client.test")
    link = verify_link("bea@client.test")
    # tenant B's link on tenant A's host: user ids differ per schema, the signature holds, but
    # the id and email do not match anyone there
    assert tenant_a.client().get(link).status_code == 404
    assert tenant_a.client().get("/portal/verify/forged-token/").status_code == 404
    with tenant_b.active():
        assert not User.objects.get(email="bea@client.test").is_active


def test_staff_invite_a_contact_who_sets_a_password(tenant_a, django_capture_on_commit_callbacks):
    owner = tenant_a.owner()
    with tenant_a.active():
        contact = contact_create(
            actor=owner, data={"first_name": "Ivan", "emails": ["ivan@client.test"]}
        )
    staff = tenant_a.client(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/contacts/{contact.pk}/portal-invite/")
    assert response["Location"] == f"/contacts/{contact.pk}/"
    body = mail.outbox[-1].body
    link = re.search(r"http://[^/]+(/portal/activate/\S+/)", body).group(1)
    again = staff.post(f"/contacts/{contact.pk}/portal-invite/", follow=True)
    assert "already has a portal account" in again.content.decode()
    invited = tenant_a.client()
    assert invited.post(link, {"password": "short"}).status_code == 200
    assert invited.post(link, {"password": PASSWORD})["Location"] == "/portal/"
    assert "Hello, Ivan" in invited.get("/portal/").content.decode()
    # the invitation is used up
    assert tenant_a.client().get(link).status_code == 404


def test_a_customer_changes_the_email_through_a_link_to_the_new_address(
    tenant_a, customer, django_capture_on_commit_callbacks
):
    client = tenant_a.client(customer.user)
    with django_capture_on_commit_callbacks(execute=True):
        wrong = client.post(
            "/portal/profile/email/", {"email": "new@client.test", "password": "nope"}, follow=True
        )
        assert "This is not your password" in wrong.content.decode()
        client.post("/portal/profile/email/", {"email": "new@client.test", "password": PASSWORD})
    message = mail.outbox[-1]
    assert message.to == ["new@client.test"]
    link = re.search(r"http://[^/]+(/portal/profile/email/\S+/)", message.body).group(1)
    client.get(link)
    with tenant_a.active():
        user = User.objects.get(pk=customer.user.pk)
        assert user.email == "new@client.test"
        assert Contact.objects.get(pk=customer.contact_id).emails[0] == "new@client.test"


def test_two_factor_sign_in(tenant_a, customer):
    client = tenant_a.client(customer.user)
    client.post("/portal/profile/security/", {"action": "setup"})
    with tenant_a.active():
        secret = User.objects.get(pk=customer.user_id).totp_secret
    assert "totp-qr" in client.get("/portal/profile/security/").content.decode()
    wrong = client.post("/portal/profile/security/", {"action": "enable", "code": "000000"})
    assert "This code is not right" in wrong.content.decode()
    enabling_code = pyotp.TOTP(secret).now()
    client.post("/portal/profile/security/", {"action": "enable", "code": enabling_code})
    with tenant_a.active():
        assert User.objects.get(pk=customer.user_id).totp_enabled_at is not None
    # a session alone cannot swap the secret or switch it off: that takes a code
    client.post("/portal/profile/security/", {"action": "setup"})
    client.post("/portal/profile/security/", {"action": "disable", "code": "123456"})
    with tenant_a.active():
        kept = User.objects.get(pk=customer.user_id)
        assert kept.totp_secret == secret
        assert kept.totp_enabled_at is not None

    fresh = tenant_a.client()
    step = fresh.post("/portal/login/", {"username": customer.user.email, "password": PASSWORD})
    assert step["Location"].startswith("/portal/login/code/")
    assert fresh.get("/portal/")["Location"].startswith("/portal/login/")  # not signed in yet
    # the code just used to switch it on is spent: replaying it fails
    # (the very code, not a fresh one: the 30-second step may have moved on meanwhile)
    replay = fresh.post("/portal/login/code/", {"code": enabling_code})
    assert replay.status_code == 200
    with tenant_a.active():
        User.objects.filter(pk=customer.user_id).update(totp_last_step=0)
    done = fresh.post("/portal/login/code/", {"code": pyotp.TOTP(secret).now()})
    assert done["Location"] == "/portal/"
    assert fresh.get("/portal/").status_code == 200
    # the staff sign-in page and the token API ask for the code too
    staff_page = tenant_a.client().post(
        "/login/", {"username": customer.user.email, "password": PASSWORD}
    )
    assert staff_page["Location"].startswith("/portal/login/code/")
    token = tenant_a.client().post(
        "/api/v1/auth/token/",
        {"email": customer.user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 401


def test_portal_password_reset(tenant_a, customer, django_capture_on_commit_callbacks):
    client = tenant_a.client()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/portal/password-reset/", {"email": customer.user.email})
    assert sent["Location"] == "/portal/password-reset/sent/"
    link = re.search(r"http://[^/]+(/portal/reset/\S+/)", mail.outbox[-1].body).group(1)
    form = client.get(link, follow=True)
    new = "Another-Sturdy-Pass-77"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done["Location"] == "/portal/reset/done/"
    signed = client.post("/portal/login/", {"username": customer.user.email, "password": new})
    assert signed["Location"] == "/portal/"


def test_sign_up_closed_by_the_company(tenant_a):
    with tenant_a.active():
        PortalBranding.objects.create(signup_open=False)
    assert tenant_a.client().get("/portal/signup/").status_code == 403


def test_two_customers_of_one_company(tenant_a, customer, django_capture_on_commit_callbacks):
    other = make_customer(
        tenant_a, django_capture_on_commit_callbacks, email="other@client.test", name="Otto"
    )
    assert other.contact_id != customer.contact_id
