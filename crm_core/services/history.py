"""Who made a change: the history trigger reads the actor from the connection's
`tenantly.actor` setting, which requests and tasks set here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


def history_actor_set(user_id: int | None) -> None:
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
