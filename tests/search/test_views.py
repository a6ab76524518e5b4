"""The results page, the suggestions of the search box, the API and the maintenance paths."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from crm_core.parties.services import contact_create
from search.models import SearchChange, SearchEntry
from search.services import changes_index, drift_repair
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def test_results_page_shows_marked_hits_and_facets(tenant_a, clients):
    client = tenant_a.client(clients.owner)
    page = client.get("/search/", {"q": "договор поставки"}).content.decode()
    assert "<mark>договора</mark>" in page
    assert f'href="/contacts/{clients.anna.pk}/#interaction-{clients.call.pk}"' in page
    assert 'data-testid="facet-channel-call"' in page
    narrowed = client.get("/search/", {"q": "кузнецова", "type": "company"}).content.decode()
    assert 'data-testid="no-results"' in narrowed


def test_results_page_escapes_what_people_typed(tenant_a, clients):
    client = tenant_a.client(clients.owner)
    page = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_suggestions_as_you_type(tenant_a, clients):
    client = tenant_a.client(clients.owner)
    body = client.get("/search/suggest/", {"q": "кузн"}).content.decode()
    assert f'href="/contacts/{clients.anna.pk}/"' in body
    assert "<mark>Кузнецова</mark>" in body
    assert client.get("/search/suggest/", {"q": ""}).content.decode().strip() == ""


def test_api_answers_with_hits_facets_and_field_errors(tenant_a, clients):
    client = tenant_a.client(clients.owner)
    data = client.get("/api/v1/search/", {"q": "8 (916) 123-45-67"}).json()
    assert data["results"][0]["kind"] == "contact"
    assert data["results"][0]["id"] == clients.anna.pk
    assert data["results"][0]["url"] == f"/contacts/{clients.anna.pk}/"
    assert {"value": "contact", "count": 1} in data["facets"]["kind"]
    bad = client.get("/api/v1/search/", {"q": "x", "type": "planet", "page": "zero"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"type", "page"}


def test_api_refuses_portal_customers(tenant_a, clients):
    customer = tenant_a.make_user(Role.CUSTOMER)
    response = tenant_a.client(customer).get("/api/v1/search/", {"q": "Кузнецова"})
    assert response.status_code == 403


def test_drift_is_repaired(tenant_a, clients):
    with tenant_a.active():
        SearchEntry.objects.filter(kind="contact", object_id=clients.boris.pk).delete()
        SearchEntry.objects.create(
            kind="contact", object_id=999_999, title="Ghost", occurred_at=clients.anna.created_at
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE crm_core_contact SET first_name = 'Анастасия', "
                "updated_at = clock_timestamp() "
                "WHERE id = %s",
                [clients.anna.pk],
            )
        SearchChange.objects.all().delete()  # its queue entry lost, say in a restored backup
        assert not SearchChange.objects.exists()
        drift_repair()
        assert SearchEntry.objects.filter(kind="contact", object_id=clients.boris.pk).exists()
        assert not SearchEntry.objects.filter(object_id=999_999).exists()
        assert SearchEntry.objects.get(kind="contact", object_id=clients.anna.pk).title == (
            "Анастасия Кузнецова"
        )


def test_reindex_command_rebuilds_one_tenant(tenant_a, clients):
    with tenant_a.active():
        SearchEntry.objects.all().delete()
        SearchEntry.objects.create(
            kind="deal", object_id=424242, title="Stale", occurred_at=clients.anna.created_at
        )
    out, err = io.StringIO(), io.StringIO()
    call_command("search_reindex", tenant="alpha", stdout=out, stderr=err)
    assert "Indexed" in out.getvalue()
    assert "alpha" in err.getvalue()  # the progress bar
    with tenant_a.active():
        assert SearchEntry.objects.filter(kind="contact").count() == 2
        assert not SearchEntry.objects.filter(object_id=424242).exists()
        changes_index()
    with pytest.raises(CommandError, match="no tenant"):
        call_command("search_reindex", tenant="nope", stdout=out, stderr=err)
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL"):
        call_command("search_reindex", backend="es", stdout=out, stderr=err)


def test_a_commit_sends_one_drain_that_indexes_the_change(
    tenant_a, clients, django_capture_on_commit_callbacks
):
    """Celery runs eagerly in the suite: the task sent after commit is the real drain."""

    with tenant_a.active():
        # the test's own transaction never commits: the fixture's drain is still pending in it
        connection.run_on_commit.clear()
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            transaction.atomic(),
        ):
            for name in ("Pavel", "Polina"):
                contact_create(actor=clients.owner, data={"first_name": name})
        assert len(callbacks) == 1
        assert not SearchChange.objects.exists()
        assert SearchEntry.objects.filter(title__in=["Pavel", "Polina"]).count() == 2
