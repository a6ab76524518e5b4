"""Who made a change: the history trigger reads the actor from the connection's
`tenantly.actor` setting, which requests, API tokens and tasks set here; live updates read the
same actor in Python to say who changed a record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connection

_actor: ContextVar[int | None] = ContextVar("tenantly_actor", default=None)


def history_actor_id() -> int | None:
    return _actor.get()


def history_actor_set(user_id: int | None) -> None:
    _actor.set(user_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('tenantly.actor', %s, false)", [str(user_id or "")])


@contextmanager
def history_actor(user) -> Iterator[None]:
    """Attribute the changes made inside to `user` (None: the system)."""
    history_actor_set(getattr(user, "pk", None))
    try:
        yield
    finally:
        history_actor_set(None)
