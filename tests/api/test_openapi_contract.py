"""The API does what its OpenAPI document says, checked by schemathesis over every operation
(generated requests, valid and invalid, as the owner and as a sales rep): no 500, only
documented status codes and content types, bodies and headers of the documented shape.

Two of schemathesis' checks are left out, as no OpenAPI document can satisfy them for this
API: "a schema-valid request is accepted" (a generated id names no record here, which is a
400 or 404, not a schema fault), and "a schema-violating request is refused" (REST
framework's fields take `0` for the string "0" and `1` for true, as intended leniency). A
bounded run, so the suite stays fast: a few generated examples per operation as each role,
and the coverage phase's boundary and invalid values (the bulk of the requests) as the owner
only, who reaches every operation's deepest code."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.generation.meta import TestPhase

from config.wsgi import application
from tenants.identity.roles import Role
from tenants.identity.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application


@pytest.fixture
def bearer(tenant_a) -> Iterator[dict[str, str]]:
    """Tokens of the owner and of a sales rep; requests run in the test's transaction (as
    Django's test client does, the per-request connection housekeeping is off)."""
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        tokens = {
            "owner": api_token_create(user=tenant_a.owner(), name="contract")[1],
            "rep": api_token_create(user=rep, name="contract")[1],
        }
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield tokens
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_does_what_its_schema_says(case, bearer):
    roles = ["owner"] if case.meta and case.meta.phase.name == TestPhase.COVERAGE else bearer
    for role in roles:
        token = bearer[role]
        case.call_and_validate(
            headers={"Host": "alpha.localhost", "Authorization": f"Bearer {token}"},
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
        )


def test_the_schema_tells_pages_errors_and_the_version_a_patch_needs():
    document = SchemaGenerator().get_schema(request=None, public=True)
    contacts = document["paths"]["/api/v1/contacts/"]["get"]
    assert contacts["operationId"] == "v1_contacts_list"
    page = contacts["responses"]["200"]["content"]["application/json"]["schema"]
    component = document["components"]["schemas"][page["$ref"].rsplit("/", 1)[-1]]
    assert set(component["properties"]) == {"next", "previous", "results"}
    size = next(item for item in contacts["parameters"] if item["name"] == "page_size")
    assert (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 200)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"400", "401", "403", "404", "429"} <= set(operation["responses"]), (
                method,
                path,
            )
    patch = document["paths"]["/api/v1/contacts/{id}/"]["patch"]
    body = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert "version" in document["components"]["schemas"][body.rsplit("/", 1)[-1]]["required"]


@pytest.mark.parametrize(("size", "status"), [("-1", 400), ("0", 400), ("201", 400), ("2", 200)])
def test_page_size_outside_one_to_two_hundred_is_refused(tenant_a, size, status):
    client = tenant_a.client(tenant_a.owner())
    response = client.get(f"/api/v1/contacts/?page_size={size}")
    assert response.status_code == status
    if status == 400:
        assert "page_size" in response.json()
