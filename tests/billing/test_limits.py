"""The plan's limits: contacts, file storage, API calls per minute, and which search answers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django_tenants.utils import schema_context

from billing.services.subscriptions import current_subscription
from crm_core.activities.services import attachments_add, interaction_log
from crm_core.parties.models import Contact
from tenants.identity.roles import Role
from tenants.identity.services.users import user_create
from tests.billing.stripe_fixtures import subscription_of
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _plan(handle, **limits):
    plan = subscription_of(handle).plan
    for name, value in limits.items():
        setattr(plan, name, value)
    plan.save()
    return plan


def test_contacts_beyond_the_plan_are_refused_with_a_message(tenant_a, tenant_b):
    with tenant_a.active():
        existing = Contact.objects.count()
    _plan(tenant_a, max_contacts=existing + 1)
    client = tenant_a.client(tenant_a.owner())
    assert client.post("/contacts/new/", {"first_name": "Fits"}).status_code == 302
    refused = client.post("/contacts/new/", {"first_name": "Too", "last_name": "Many"})
    assert refused.status_code == 200
    assert "Your plan holds up to" in refused.content.decode()
    api = client.post("/api/v1/contacts/", {"first_name": "Api"}, content_type="application/json")
    assert api.status_code == 400
    assert "Your plan holds up to" in str(api.json())
    with tenant_a.active():
        assert Contact.objects.count() == existing + 1
    # another company on the same plan counts its own contacts
    with tenant_b.active():
        assert Contact.objects.count() < existing + 1
    assert (
        tenant_b.client(tenant_b.owner())
        .post("/contacts/new/", {"first_name": "Beta", "last_name": "Room"})
        .status_code
        == 302
    )


def test_files_beyond_the_plans_storage_are_refused(tenant_a):
    _plan(tenant_a, max_storage_mb=1)
    owner = tenant_a.owner()
    with tenant_a.active():
        contact = Contact.objects.create(first_name="Files", owner=owner)
        interaction = interaction_log(
            actor=owner, contact=contact, data={"channel": "call", "subject": "s"}
        ).interaction
        attachments_add(
            actor=owner,
            interaction=interaction,
            files=[SimpleUploadedFile("a.txt", b"x" * 700_000)],
        )
        with pytest.raises(Exception, match="storage is used up"):
            attachments_add(
                actor=owner,
                interaction=interaction,
                files=[SimpleUploadedFile("b.txt", b"y" * 700_000)],
            )
        assert interaction.attachments.count() == 1


def test_api_calls_beyond_the_plans_rate_get_429_per_company(tenant_a, tenant_b):
    _plan(tenant_a, api_calls_per_minute=3)
    client = tenant_a.client(tenant_a.owner())
    answers = [client.get("/api/v1/contacts/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    other = tenant_b.client(tenant_b.owner())
    assert other.get("/api/v1/contacts/").status_code == 200


def test_limits_apply_under_schema_context_too(tenant_a):
    """Scripts and benchmarks activate a company with django-tenants' schema_context (a
    stand-in tenant holding only the schema name); its subscription is still found."""
    with schema_context(tenant_a.tenant.schema_name):
        user = user_create(
            email="scripted@alpha.test",
            full_name="Scripted",
            password=PASSWORD,
            role=Role.SALES_REP,
        )
        assert current_subscription().tenant == tenant_a.tenant
    assert user.pk


def test_anonymous_calls_never_use_up_a_companys_quota(tenant_a):
    """300 anonymous OPTIONS on the token route used to lock the owner out of the API."""
    _plan(tenant_a, api_calls_per_minute=3)
    stranger = tenant_a.client(REMOTE_ADDR="198.51.100.9")
    with override_settings(API_ANONYMOUS_CALLS_PER_MINUTE=5):
        answers = [stranger.options("/api/v1/auth/token/").status_code for _ in range(7)]
        # anonymous callers have a limit of their own, per address
        assert answers[:5] == [200] * 5
        assert answers[5:] == [429, 429]
        assert (
            tenant_a.client(REMOTE_ADDR="198.51.100.10").options("/api/v1/auth/token/").status_code
            == 200
        )
    owner = tenant_a.client(tenant_a.owner())
    assert [owner.get("/api/v1/contacts/").status_code for _ in range(4)] == [200, 200, 200, 429]
