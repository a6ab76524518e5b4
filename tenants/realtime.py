"""Live updates: group names that always carry the schema, and broadcasts sent after commit.

Services call `broadcast_after_commit` when they change data that an open page shows; the
websocket consumers (`crm_core.consumers`) join the groups their user may see. A Redis outage
costs the push, never the request that made the change: the data is already committed, and the
pages refetch their state when their socket reconnects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django_tenants.utils import get_public_schema_name
from redis.exceptions import RedisError

from tenants.typing import connection

logger = logging.getLogger(__name__)

# What an unreachable channel layer raises (redis-py's errors are not OSErrors).
LAYER_ERRORS = (RedisError, OSError)
# The type of every group message; consumers handle it in `live_event`.
EVENT = "live.event"


def group_name(*parts: object, schema: str | None = None) -> str:
    """`t.<schema>.<part>.<part>…`, e.g. `t.acme.user.7` or `t.acme.deal-board.3.team.2`."""
    schema = schema or connection.schema_name
    if schema == get_public_schema_name():
        raise RuntimeError("live groups belong to a tenant; this code runs in the public schema")
    return ".".join(["t", schema, *(str(part) for part in parts)])


async def _send_all(sends: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    for group, event in sends:
        await layer.group_send(group, {"type": EVENT, "event": event})


def _send_now(sends: list[tuple[str, dict[str, Any]]]) -> bool:
    if not sends:
        return True
    try:
        async_to_sync(_send_all)(sends)
    except LAYER_ERRORS as error:
        logger.warning("live update to %s lost: %s", ", ".join(g for g, _e in sends), error)
        return False
    return True


def broadcast_now(groups: Iterable[str], event: dict[str, Any]) -> bool:
    """Send `event` to every group at once (progress of a job still inside its transaction).

    Returns False, after logging, when the channel layer cannot be reached."""
    return _send_now([(group, event) for group in dict.fromkeys(groups)])


def broadcast_each_after_commit(sends: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Send each (group, event) once the current transaction commits, all in one go (a job
    telling many people each their own news)."""
    pairs = list(sends)
    if pairs:
        transaction.on_commit(lambda: _send_now(pairs))


def broadcast_after_commit(groups: Iterable[str], event: dict[str, Any]) -> None:
    """Send `event` to `groups` once the current transaction commits (never if it rolls back)."""
    names = list(groups)
    transaction.on_commit(lambda: broadcast_now(names, event))
