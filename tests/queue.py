"""A Celery broker nobody listens on, for the "queue is down" paths."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from config.celery import app
from config.embedded import free_port


def _forget_connections() -> None:
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def unreachable_broker() -> Iterator[None]:
    """Tasks are really published (not run eagerly) to a closed port until the block ends."""
    saved = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{free_port()}"
    _forget_connections()
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = saved
        _forget_connections()
