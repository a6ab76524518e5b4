"""Portal sign-up tells nobody which addresses have accounts: a known address gets the same
answer as a new one, and its owner is told by email instead."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from portal.models import CustomerAccount
from tenants.identity.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


def _signup(client, email: str):
    form = {"full_name": "Eve Prober", "email": email, "password": PASSWORD, "accept": "on"}
    return client.post("/portal/signup/", form, follow=True)


def _page(response, address: str) -> str:
    """The page with the address and the (per-page masked) CSRF tokens blanked."""
    text = response.content.decode().replace(address, "ADDRESS")
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", text)


def test_signing_up_with_a_known_address_answers_as_for_a_new_one(
    tenant_a, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    known = make_customer(tenant_a, capture, email="known@client.test", name="Kim Known")
    mail.outbox.clear()
    with capture(execute=True):
        taken = _signup(tenant_a.client(), "Known@Client.test")
        fresh = _signup(tenant_a.client(), "fresh@client.test")
    # the same page, the same words, but for the address itself
    assert taken.redirect_chain == fresh.redirect_chain == [("/portal/signup/sent/", 302)]
    assert _page(taken, "known@client.test") == _page(fresh, "fresh@client.test")
    # the owner of the known address is told, and nothing of theirs changed
    to_known = [message for message in mail.outbox if message.to == ["known@client.test"]]
    assert len(to_known) == 1
    assert "already have an account" in to_known[0].body
    assert "/portal/password-reset/" in to_known[0].body
    with tenant_a.active():
        assert User.objects.filter(email__iexact="known@client.test").count() == 1
        assert CustomerAccount.objects.get(pk=known.pk).user.full_name == "Kim Known"


def test_a_known_address_that_never_confirmed_gets_its_link_again(
    tenant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _signup(tenant_a.client(), "slow@client.test")
        again = _signup(tenant_a.client(), "slow@client.test")
    assert again.redirect_chain == [("/portal/signup/sent/", 302)]
    links = [message for message in mail.outbox if message.to == ["slow@client.test"]]
    assert len(links) == 2
    assert all("/portal/verify/" in message.body for message in links)
