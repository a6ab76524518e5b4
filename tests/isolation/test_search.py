"""Search never crosses tenants: tenant B's records, indexed in B, are searched for from A by
every marker they carry, through the results page, the suggestions and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from search.models import SearchEntry
from tenants.identity.roles import Role
from tests.isolation.test_tenant_routes import secrets_of_b  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

ROUTES = ("search", "search_suggest", "api-search")


@pytest.mark.parametrize("role", [Role.OWNER, Role.SALES_REP])
def test_b_is_never_found_from_a(tenant_a, tenant_b, secrets_of_b, role):  # noqa: F811
    with tenant_b.active():
        assert SearchEntry.objects.filter(title__contains="Secretcontact").exists()
    user = tenant_a.owner() if role == Role.OWNER else tenant_a.make_user(role)
    client = tenant_a.client(user)
    queries = [*secrets_of_b["markers"], "9990001122", "8 999 000 11 22", "bexley"]
    for text in queries:
        for name in ROUTES:
            url = reverse(name, urlconf="config.urls_tenant")
            response = client.get(url, {"q": text})
            assert response.status_code == 200, (url, text)
            body = response.content.decode()
            for marker in secrets_of_b["markers"]:
                if marker.lower() in text.lower():
                    continue  # the query itself is echoed on the page
                assert marker not in body, f"{url}?q={text} shows B's {marker!r}"
            if name == "api-search":
                assert response.json()["results"] == [], f"{url}?q={text} found B's records"
