"""Inputs that used to answer 500 (or crash a socket) answer a clear 4xx instead and change
nothing: deeply nested JSON on every API write route, a number too large for any id, a NUL
byte in a query string or an imported file, a signed Stripe event with a malformed field, and
a deeply nested websocket frame."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from billing.models import StripeEvent
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Contact
from tests.billing.stripe_fixtures import deliver
from tests.billing.stripe_server import event
from tests.live import open_socket, run

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def _write_routes() -> list[tuple[str, str]]:
    """Every API operation that takes a JSON body, with its path's ids filled in."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for path, operations in schema["paths"].items():
        for method in ("post", "put", "patch"):
            if method in operations:
                routes.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return routes


def test_deeply_nested_json_is_a_400_on_every_write_route_also_anonymous(tenant_a):
    routes = _write_routes()
    assert len(routes) > 20
    signed_in = tenant_a.client(tenant_a.owner())
    anonymous = tenant_a.client()
    for method, path in routes:
        for client in (signed_in, anonymous):
            response = getattr(client, method)(path, DEEP, content_type="application/json")
            assert response.status_code in (400, 401, 403, 404, 405), (method, path)
            if response.status_code == 400:
                assert "nested" in response.json()["detail"], (method, path)


def test_a_number_too_large_for_an_id_is_a_field_error(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    for number in ("1e309", "-1e309", "99999999999999999999999"):
        body = f'{{"first_name": "Ann", "company": {number}}}'
        response = client.post("/api/v1/contacts/", body, content_type="application/json")
        assert response.status_code == 400, number
    with tenant_a.active():
        assert not Contact.objects.filter(first_name="Ann").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/search/?q=ann&owner=99999999999999999999",
        "/api/v1/search/?q=ann&segment=99999999999999999999&stage=99999999999999999999",
        "/search/?q=ann&owner=99999999999999999999",
        "/api/v1/contacts/?owner=99999999999999999999",
        "/contacts/?owner=99999999999999999999",
    ],
)
def test_a_filter_id_too_large_answers_without_an_error(tenant_a, path):
    response = tenant_a.client(tenant_a.owner()).get(path)
    assert response.status_code in (200, 400), path


@pytest.mark.parametrize(
    "path", ["/tickets/?q=%00", "/api/v1/tickets/?q=%00", "/contacts/?q=a%00b", "/search/?q=%00"]
)
def test_a_nul_byte_in_a_query_string_is_a_400(tenant_a, path):
    response = tenant_a.client(tenant_a.owner()).get(path)
    assert response.status_code == 400


def test_a_nul_byte_in_an_imported_csv_is_reported_with_its_line(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    content = b"First name,Last name,Email\nAnn,Lee,ann@x.test\nB\x00b,Roe,bob@x.test\n"
    data = {
        "file": SimpleUploadedFile("people.csv", content),
        "encoding": "auto",
        "delimiter": "",
        "duplicates": "skip",
    }
    response = client.post("/contacts/import/", data)
    if response.status_code == 302:
        with tenant_a.active():
            job = ImportJob.objects.latest("pk")
        page = client.get(f"/imports/{job.pk}/").content.decode()
    else:
        page = response.content.decode()
    assert response.status_code in (200, 302)
    assert "Line 3" in page or "line 3" in page
    assert "NUL" in page


def test_a_signed_stripe_event_with_a_malformed_created_is_refused(webhook_secret):
    body = event("customer.subscription.updated", {"id": "sub_x", "object": "subscription"})
    body["created"] = "x"
    assert deliver(body).status_code == 400
    assert not StripeEvent.objects.filter(event_id=body["id"]).exists()


def test_a_deeply_nested_websocket_frame_closes_with_1007(tenant_a):
    owner = tenant_a.owner()

    async def scenario():
        socket = await open_socket(tenant_a, owner, "/ws/notifications/")
        await socket.receive_json_from()
        await socket.send_to(text_data="[" * 1500 + "]" * 1500)
        closed = await socket.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": 1007}

    run(scenario)
