"""Helpers for websocket tests: Channels' WebsocketCommunicator against the real ASGI app and
the real Redis channel layer.

A test is a sync function that hands an async scenario to `run()`. ORM work inside the scenario
goes through `in_test_thread` (`database_sync_to_async`, which asgiref runs in the test's own
thread), so the consumers and the test share one connection and the test's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from unittest import mock

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import TestCase

from config.asgi import application
from tenants.identity.actor import history_actor
from tests.conftest import TenantHandle

in_test_thread = database_sync_to_async
TIMEOUT = 3


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `scenario` in the test's transaction. Channels closes "old" database connections
    around each ORM call, which would close the test's own connection mid-transaction; that
    housekeeping is switched off here, as Django's test client does for its requests."""
    with mock.patch("channels.db.close_old_connections", return_value=None):
        async_to_sync(scenario)()


async def committed(tenant: TenantHandle, function: Callable[[], Any], actor=None) -> Any:
    """Run `function` in `tenant`'s schema as if its transaction committed: its after-commit
    broadcasts are sent. `actor` is who made the change, as a request's middleware sets it."""

    def call() -> Any:
        with (
            tenant.active(),
            history_actor(actor),
            TestCase.captureOnCommitCallbacks(execute=True),
        ):
            return function()

    return await in_test_thread(call)()


def session_cookie(tenant: TenantHandle, user) -> str:
    return tenant.client(user).cookies["sessionid"].value


def communicator(
    host: str, path: str, *, session: str | None = None, origin: str | None = None
) -> WebsocketCommunicator:
    headers = [(b"host", host.encode())]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def open_socket(tenant: TenantHandle, user, path: str) -> WebsocketCommunicator:
    """A connected socket of `user` on `tenant`'s host, opened as that host's own page would."""
    session = await in_test_thread(session_cookie)(tenant, user)
    socket = communicator(
        f"{tenant.host}:8000", path, session=session, origin=f"http://{tenant.host}:8000"
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    return socket


async def refusal(tenant: TenantHandle, user, path: str, host: str | None = None) -> int | None:
    """The close code a socket of `user` (signed in on `tenant`) gets on `host` (default: the
    tenant's own), or None if it stays open."""
    session = await in_test_thread(session_cookie)(tenant, user)
    return await close_code(communicator(host or tenant.host, path, session=session))


async def close_code(socket: WebsocketCommunicator) -> int | None:
    """The code the server closed the socket with right after the handshake, or None if the
    socket stayed open."""
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert connected
    # (receive_output's own timeout would cancel the application, so wait with this one)
    if await socket.receive_nothing(timeout=TIMEOUT):
        await socket.disconnect()
        return None
    output = await socket.receive_output()
    assert output["type"] == "websocket.close", output
    return output.get("code")


async def next_event(socket: WebsocketCommunicator, type_: str | None = None) -> dict:
    """The next event (of `type_`, skipping others) the socket receives."""
    while True:
        event = await socket.receive_json_from(timeout=TIMEOUT)
        if type_ is None or event["type"] == type_:
            return event


async def nothing_more(socket: WebsocketCommunicator, wait: float = 0.3) -> None:
    assert await socket.receive_nothing(timeout=wait), await socket.receive_output()
