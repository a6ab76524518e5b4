"""The websocket door: tenant from the Host header, session of that tenant, staff only, and
frames that are not small JSON objects closed with a code (Channels' WebsocketCommunicator
against the real ASGI application and Redis channel layer)."""

from __future__ import annotations

import json

import pytest

from tenants.identity.roles import Role
from tenants.identity.services.users import user_deactivate
from tests.live import (
    close_code,
    committed,
    communicator,
    in_test_thread,
    next_event,
    open_socket,
    refusal,
    run,
    session_cookie,
)

pytestmark = pytest.mark.django_db


def test_a_signed_in_staff_member_connects_and_gets_the_bell_state(tenant_a):
    owner = tenant_a.owner()

    async def scenario():
        socket = await open_socket(tenant_a, owner, "/ws/notifications/")
        assert await next_event(socket) == {"type": "notifications", "unread": 0}
        await socket.send_json_to({"type": "ping"})
        assert await next_event(socket) == {"type": "pong"}
        await socket.disconnect()

    run(scenario)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("nowhere.localhost", 4404), ("localhost", 4404), ("alpha.localhost", 4401)],
)
def test_unknown_and_public_hosts_and_anonymous_visitors_are_refused(tenant_a, host, expected):
    async def scenario():
        assert await close_code(communicator(host, "/ws/notifications/")) == expected

    run(scenario)


def test_a_portal_customer_is_refused_on_staff_channels(tenant_a):
    customer = tenant_a.make_user(Role.CUSTOMER)

    async def scenario():
        assert await refusal(tenant_a, customer, "/ws/notifications/") == 4403

    run(scenario)


def test_a_session_of_another_tenant_means_nothing_here(tenant_a, tenant_b):
    owner_a = tenant_a.owner()

    async def scenario():
        assert await refusal(tenant_a, owner_a, "/ws/notifications/", tenant_b.host) == 4401

    run(scenario)


def test_a_page_of_another_site_cannot_open_a_socket_with_the_users_cookie(tenant_a):
    owner = tenant_a.owner()

    async def scenario():
        session = await in_test_thread(session_cookie)(tenant_a, owner)
        socket = communicator(
            tenant_a.host, "/ws/notifications/", session=session, origin="http://evil.example"
        )
        assert await close_code(socket) == 4403

    run(scenario)


def test_an_unknown_path_is_refused_not_a_traceback(tenant_a):
    owner = tenant_a.owner()

    async def scenario():
        for path in ("/ws/nothing/", "/ws/contacts/abc/", "/elsewhere/"):
            assert await refusal(tenant_a, owner, path) == 4404, path

    run(scenario)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"bytes": b"\x00\x01"}, 1003),
        ({"text": "x" * 5000}, 1009),
        ({"text": "{not json"}, 1007),
        ({"text": json.dumps(["a", "list"])}, 1008),
        ({"text": json.dumps({"type": "drop-tables"})}, 1008),
        ({"text": json.dumps({"no": "type"})}, 1008),
    ],
)
def test_malformed_or_oversized_frames_close_the_socket_with_a_code(tenant_a, frame, expected):
    owner = tenant_a.owner()

    async def scenario():
        socket = await open_socket(tenant_a, owner, "/ws/notifications/")
        await next_event(socket, "notifications")
        await socket.send_input({"type": "websocket.receive", **frame})
        output = await socket.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": expected}
        await socket.disconnect()  # the consumer ends without an exception

    run(scenario)


def test_deactivating_a_member_closes_their_open_pages(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)

    async def scenario():
        socket = await open_socket(tenant_a, rep, "/ws/notifications/")
        await next_event(socket, "notifications")
        await committed(tenant_a, lambda: user_deactivate(actor=owner, user=rep))
        output = await socket.receive_output(timeout=3)
        assert output == {"type": "websocket.close", "code": 4401}

    run(scenario)
