"""A real Celery worker (a thread of this process, Redis broker) runs each task in the schema of
the tenant that queued it."""

import pytest
from celery import current_app
from django.conf import settings
from django.core import mail
from django.db import connection
from django_tenants.utils import tenant_context

from search.tasks import search_changes_job
from tenants.identity.models import Invitation
from tenants.identity.roles import Role
from tenants.identity.services.users import invitation_create
from tenants.identity.tasks import invitation_email_send
from tests.conftest import tenant_handle


@pytest.fixture
def committed_invitations(django_db_setup, django_db_blocker):
    """Invitations committed in both tenants, so the worker's own connection sees them."""
    with django_db_blocker.unblock():
        created = {}
        for schema in ("alpha", "beta"):
            handle = tenant_handle(schema)
            tenant = handle.tenant
            with tenant_context(tenant):
                invitation, link = invitation_create(
                    actor=handle.owner(), email=f"worker.test@{schema}.test", role=Role.MARKETER
                )
            created[schema] = (tenant, invitation.pk, link)
        yield created
        for tenant, pk, _link in created.values():
            with tenant_context(tenant):
                Invitation.objects.filter(pk=pk).delete()


def test_task_runs_in_the_schema_of_the_tenant_that_queued_it(worker, committed_invitations):
    mail.outbox = []
    results = {}
    for schema, (tenant, pk, link) in committed_invitations.items():
        with tenant_context(tenant):
            results[schema] = invitation_email_send.delay(pk, link)
    assert results["alpha"].get(timeout=30) == "alpha"
    assert results["beta"].get(timeout=30) == "beta"
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert "Alpha Trading" in subjects["worker.test@alpha.test"]
    assert "Beta Logistics" in subjects["worker.test@beta.test"]


def test_a_task_for_a_schema_no_company_has_is_skipped_not_run_in_public(db, caplog):
    """A message stamped with a schema whose company is gone is dropped with a warning; the
    task never runs in the public schema."""

    result = search_changes_job.apply(headers={"_schema_name": "gone_company"})

    assert result.successful()
    assert result.result is None
    assert connection.schema_name == "public"
    assert "no company has the schema 'gone_company'" in caplog.text


def test_every_periodic_job_is_a_registered_task():
    """beat names tasks by string (the fan-out by its argument): each must be registered, or
    the job fails on every run (the analytics' report emails and client scoring among them)."""
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in current_app.tasks, name
        for argument in entry.get("args", []):
            assert argument in current_app.tasks, f"{name}: {argument}"
