"""Websockets under /ws/: the tenant from the Host header, the user from that tenant's session.

django-tenants resolves the tenant for HTTP only. `TenantWebsocketMiddleware` does the same for
websockets and authenticates the session inside the tenant's schema, so a session of one company
means nothing on another company's host. `TenantConsumer` is the base of every consumer: staff
only, ORM work inside `tenant_context`, groups chosen by the subclass for what its user may see,
and frames that are not small JSON objects closed with a code instead of a traceback.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from contextlib import suppress
from importlib import import_module
from types import SimpleNamespace
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user
from django.http.cookie import parse_cookie
from django_tenants.utils import get_public_schema_name, tenant_context

from tenants.hosts import domain_serving
from tenants.models import Domain, Tenant
from tenants.realtime import LAYER_ERRORS, group_name

logger = logging.getLogger(__name__)

# Close codes. The 44xx ones tell the browser not to retry; the others mean "reconnect later".
UNAUTHENTICATED = 4401
FORBIDDEN = 4403
NOT_FOUND = 4404
UNSUPPORTED_DATA = 1003
INVALID_FRAME = 1007
POLICY_VIOLATION = 1008
TOO_BIG = 1009
TRY_AGAIN_LATER = 1013

MAX_FRAME_CHARS = 4096

T = TypeVar("T")


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


def _tenant_and_user(hostname: str, session_key: str | None) -> tuple[Tenant | None, Any]:
    """The tenant serving `hostname` and the user signed in there with `session_key`."""
    domain = domain_serving(Domain.objects.select_related("tenant"), hostname)
    if domain is None or domain.tenant.schema_name == get_public_schema_name():
        return None, None
    tenant = domain.tenant
    with tenant_context(tenant):
        session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        user = get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]  # reads .session
        if user.is_authenticated:
            user.team  # noqa: B018 - loaded here, inside the schema it belongs to
    return tenant, user


async def refuse(receive: Callable, send: Callable, code: int) -> None:
    """Accept, then close with `code`: a refusal before the handshake reaches the browser as
    a bare 1006, and the page could not tell "sign in again" from "try again later"."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code})


class TenantWebsocketMiddleware:
    """Puts `tenant` and `user` in the scope of every websocket, or refuses it: an unknown or
    public host (4404), a page of another site (4403), no valid session of this tenant (4401)."""

    def __init__(self, app: Callable) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host")
        origin = _header(scope, b"origin")
        # Browsers always send Origin: a socket opened by another site's page is refused
        # (the session cookie would otherwise go along with it).
        if origin and urlsplit(origin).netloc.lower() != host.lower():
            await refuse(receive, send, FORBIDDEN)
            return
        cookies = parse_cookie(_header(scope, b"cookie"))
        tenant, user = await database_sync_to_async(_tenant_and_user)(
            host.rsplit(":", 1)[0].lower(), cookies.get(settings.SESSION_COOKIE_NAME)
        )
        if tenant is None:
            await refuse(receive, send, NOT_FOUND)
            return
        if not user.is_authenticated:
            await refuse(receive, send, UNAUTHENTICATED)
            return
        await self.app(dict(scope, tenant=tenant, user=user), receive, send)


def _in_schema(tenant: Tenant, function: Callable[..., T], args: tuple, kwargs: dict) -> T:
    with tenant_context(tenant):
        return function(*args, **kwargs)


class TenantConsumer(AsyncWebsocketConsumer, ABC):
    """A signed-in user's live view of something in their tenant (staff, unless `allowed` says
    otherwise).

    Subclasses give `groups_for(user, **route_kwargs)`: the groups to join, or None when the
    user may not see the thing (the same refusal for "missing" and "forbidden"), and list the
    event types they pass on in `event_types`. Every connection also joins its user's group, so
    a deactivated member's open pages are closed at once.
    """

    event_types: ClassVar[frozenset[str]] = frozenset()
    commands: ClassVar[dict[str, str]] = {"ping": "on_ping"}

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        try:
            await super().__call__(scope, receive, send)
        except LAYER_ERRORS as error:
            # Redis went away under an open socket: close it so the page reconnects (with
            # backoff) and refetches its state when Redis is back.
            logger.warning(
                "websocket %s closed, channel layer unreachable: %s", scope["path"], error
            )
            with suppress(Exception):
                if self.accepted:
                    await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
                else:  # it failed before the handshake (the layer could not make a channel)
                    await refuse(receive, send, TRY_AGAIN_LATER)

    accepted = False

    async def dispatch(self, message: dict) -> None:
        """Channels' dispatch, without its hop to the database thread before every message to
        close stale connections: at hundreds of sockets times several pushes a second that
        hop was the bottleneck, and every ORM call here goes through `in_tenant`
        (database_sync_to_async), which closes stale connections itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def accept(self, subprotocol: str | None = None, headers=None) -> None:
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def in_tenant(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ORM code in this socket's tenant schema (materialise querysets inside)."""
        return await database_sync_to_async(_in_schema)(
            self.scope["tenant"], function, args, kwargs
        )

    @property
    def user(self):
        return self.scope["user"]

    @abstractmethod
    def groups_for(self, user, **route: Any) -> list[str] | None:
        """The groups this socket joins, or None to refuse it (4404)."""

    async def refuse(self, code: int) -> None:
        await self.accept()
        await self.close(code)

    def allowed(self, user) -> bool:
        """Who may open this socket at all: the company's staff (the portal's socket admits
        its customers instead)."""
        return user.is_staff_member

    async def websocket_connect(self, message: dict) -> None:
        if not self.allowed(self.user):
            await self.refuse(FORBIDDEN)
            return
        route = self.scope["url_route"]["kwargs"]
        groups = await self.in_tenant(self.groups_for, self.user, **route)
        if groups is None:
            await self.refuse(NOT_FOUND)
            return
        groups = [
            *groups,
            group_name("user", self.user.pk, schema=self.scope["tenant"].schema_name),
        ]
        try:
            for group in groups:
                await self.channel_layer.group_add(group, self.channel_name)
            # A group this process already listens to costs no call to Redis, so ask it once
            # whether it is there; a page must not believe it is live when it is not.
            await self.channel_layer.send(self.channel_name, {"type": "live.probe"})
        except LAYER_ERRORS as error:
            logger.warning("websocket %s refused, channel layer unreachable: %s", route, error)
            await self.refuse(TRY_AGAIN_LATER)
            return
        self.groups = groups
        await self.accept()
        await self.on_connected()

    async def websocket_disconnect(self, message: dict) -> None:
        with suppress(*LAYER_ERRORS):
            await self.on_disconnected()
            for group in self.groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        raise StopConsumer

    async def on_connected(self) -> None:
        """Send the current state (a reconnecting page relies on it)."""

    async def on_disconnected(self) -> None:
        """Tell the others this user left."""

    async def websocket_receive(self, message: dict) -> None:
        text = message.get("text")
        if text is None:
            await self.close(UNSUPPORTED_DATA)
            return
        if len(text) > MAX_FRAME_CHARS:
            await self.close(TOO_BIG)
            return
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # not JSON, or nested past the decoder's depth
            await self.close(INVALID_FRAME)
            return
        handler_name = self.commands.get(str(data.get("type"))) if isinstance(data, dict) else None
        if handler_name is None:
            await self.close(POLICY_VIOLATION)
            return
        handler: Callable[[dict], Awaitable[None]] = getattr(self, handler_name)
        await handler(data)

    async def on_ping(self, data: dict) -> None:
        """The page's keep-alive. The pong goes round through Redis, so a socket whose Redis
        went away finds out here and closes (1013): the page says live updates are paused
        and reconnects with backoff until Redis is back."""
        await self.channel_layer.send(self.channel_name, {"type": "live.pong"})

    async def live_probe(self, message: dict) -> None:
        """The reachability probe of the connection, if it comes back: nothing to do."""

    async def live_pong(self, message: dict) -> None:
        await self.send_event({"type": "pong"})

    async def send_event(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event, ensure_ascii=False))

    async def live_event(self, message: dict) -> None:
        event = message["event"]
        if event.get("type") == "session.ended":
            await self.close(UNAUTHENTICATED)
        elif event.get("type") in self.event_types:
            prepared = await self.prepare(event)
            if prepared is not None:
                await self.send_event(prepared)

    async def prepare(self, event: dict) -> dict | None:
        """What this socket's page gets of `event` (None: nothing; the groups narrowed it)."""
        return event


class JobConsumer(TenantConsumer):
    """The page of a background job (an import, a search rebuild): its progress, then
    "finished"; a job that ended before the page's socket opened still reaches the page."""

    event_types = frozenset({"job.progress", "job.finished"})

    @abstractmethod
    def running(self) -> bool:
        """Whether the job still runs (called in the tenant's schema)."""

    async def on_connected(self) -> None:
        if not await self.in_tenant(self.running):
            await self.send_event({"type": "job.finished"})


class NotFoundConsumer(TenantConsumer):
    """Any /ws/ path without a route."""

    def groups_for(self, user, **route: Any) -> None:
        return None
