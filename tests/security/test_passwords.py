"""Every path that sets a password refuses easy ones (twelve spaces, one letter repeated, a
word doubled), with the reason on the form or field: staff sign-up, a colleague's
invitation, a staff or customer password reset, customer sign-up and invitation, a customer's
password change, and the service that creates users."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from onboarding.services import company_signup
from tenants.identity.roles import Role
from tenants.identity.services.users import invitation_create, user_create
from tests.conftest import PASSWORD
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(tenant_a, django_capture_on_commit_callbacks):
    return make_customer(tenant_a, django_capture_on_commit_callbacks, email="carol@client.test")


WEAK = [" " * 12, "aaaaaaaaaaaa", "passwordpassword", "qwertyuiop123"]


@pytest.mark.parametrize("password", WEAK)
def test_the_user_service_refuses_easy_passwords(tenant_a, password):
    with tenant_a.active(), pytest.raises(ValidationError) as error:
        user_create(email="easy@alpha.test", full_name="Easy", password=password, role=Role.OWNER)
    assert "password" in error.value.message_dict


@pytest.mark.parametrize("password", WEAK)
def test_company_sign_up_refuses_easy_passwords(db, password):
    with pytest.raises(ValidationError) as error:
        company_signup(
            company_name="Easy Co",
            subdomain="easyco",
            owner_name="Easy Owner",
            email="owner@easy.test",
            password=password,
        )
    assert "password" in error.value.message_dict


def test_an_invited_colleague_cannot_choose_an_easy_password(tenant_a):
    with tenant_a.active():
        _invitation, link = invitation_create(
            actor=tenant_a.owner(), email="new@alpha.test", role=Role.SALES_REP
        )
    path = re.search(r"https?://[^/]+(/\S+)", link).group(1)
    page = tenant_a.client().post(path, {"full_name": "New Person", "password": "passwordpassword"})
    assert page.status_code == 200
    assert "password" in page.context["form"].errors


@pytest.mark.parametrize(
    ("start", "pattern"),
    [("/password-reset/", r"(/reset/\S+/)"), ("/portal/password-reset/", r"(/portal/reset/\S+/)")],
)
def test_a_password_reset_cannot_set_an_easy_password(tenant_a, customer, start, pattern):
    email = tenant_a.owner_email if start == "/password-reset/" else customer.user.email
    client = tenant_a.client()
    client.post(start, {"email": email})
    link = re.search(pattern, mail.outbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    page = client.post(form_url, {"new_password1": "aaaaaaaaaaaa", "new_password2": "aaaaaaaaaaaa"})
    assert page.status_code == 200
    assert "new_password2" in page.context["form"].errors


def test_customer_sign_up_and_password_change_refuse_easy_passwords(tenant_a, customer):
    form = {"full_name": "Eve", "email": "eve@client.test", "accept": "on"}
    page = tenant_a.client().post("/portal/signup/", {**form, "password": "passwordpassword"})
    assert "password" in page.context["form"].errors
    client = tenant_a.client(customer.user)
    client.post(
        "/portal/profile/password/",
        {"old_password": PASSWORD, "new_password1": " " * 12, "new_password2": " " * 12},
    )
    with tenant_a.active():
        customer.user.refresh_from_db()
    assert customer.user.check_password(PASSWORD)
