"""The operator's commands: creating a company's workspace from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from tenants.identity.models import User
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_tenant_create_makes_a_workspace_and_prints_the_owners_password_once():
    out = io.StringIO()
    call_command(
        "tenant_create",
        name="Gamma Trading",
        subdomain="gamma",
        owner_name="Gail Gamma",
        owner_email="gail@gamma.test",
        stdout=out,
    )
    text = out.getvalue()
    assert "Created Gamma Trading: http://gamma.localhost:" in text
    password = text.split("Password (shown once): ")[1].strip()
    tenant = Tenant.objects.get(schema_name="gamma")
    with tenant_context(tenant):
        assert User.objects.get(email="gail@gamma.test").check_password(password)


def test_tenant_create_says_which_option_is_wrong_and_creates_nothing():
    with pytest.raises(CommandError) as error:
        call_command(
            "tenant_create",
            name=" ",
            subdomain="alpha",
            owner_name="X",
            owner_email="x@x.test",
            password="short",
        )
    message = str(error.value)
    assert message.startswith("The workspace was not created.")
    assert "--name: Enter your company's name." in message
    assert "--subdomain: This address is already taken." in message
    assert "--password: This password is too short." in message
    assert not Tenant.objects.filter(name=" ").exists()
