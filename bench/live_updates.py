"""Live updates: one broadcast to a group of N connected websockets (default 500), B times
(default 300) at R broadcasts per second (default 10).

A real uvicorn server (the `make run` command line) serves the ASGI app on a throwaway database;
N browsers' worth of sockets, signed in as the company's owner, open its deal board; the
benchmark sends each broadcast the way the services do (`tenants.realtime.broadcast_now` to
the board's group, through Redis) and every socket records when each one arrives. It prints
the connected and delivered counts and the delivery latency percentiles (send to receipt).

Usage: `python bench/live_updates.py [SOCKETS] [BROADCASTS] [PER_SECOND]`.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from importlib import import_module
from pathlib import Path

from common import company_signup, percentile, throwaway_database  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from config.embedded import database_url, free_port  # noqa: E402
from config.run import web_command  # noqa: E402
from crm_core.deals.live import deal_board_groups_for
from crm_core.deals.models import Pipeline
from tenants.realtime import broadcast_now  # noqa: E402

BASE_DIR = Path(__file__).resolve().parents[1]
# A name of its own per run: the channel layer's Redis outlives the throwaway database.
SUBDOMAIN = f"live{uuid.uuid4().hex[:8]}"


def session_for(user) -> str:
    """A signed-in session of `user`, as the login page would leave it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    server = subprocess.Popen(  # noqa: S603
        web_command(str(port)),
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("uvicorn did not start")


async def listen(uri: str, port: int, cookie: str, arrivals: dict, ready: asyncio.Event, stop):
    sock = socket.create_connection(("127.0.0.1", port))
    async with connect(
        uri,
        sock=sock,
        additional_headers={"Cookie": cookie},
        open_timeout=60,
        ping_interval=None,
    ) as websocket:
        arrivals["connected"] += 1
        if arrivals["connected"] == arrivals["expected"]:
            ready.set()
        while not stop.is_set():
            try:
                message = await asyncio.wait_for(websocket.recv(), timeout=0.5)
            except TimeoutError:
                continue
            received = time.time()
            event = json.loads(message)
            if event.get("type") == "deal.changed":
                arrivals["latencies"].append((received - event["sent"]) * 1000)


def prepare() -> tuple[int, str, list[str]]:
    """A company, its owner's session, the board's pipeline and the groups it listens to."""
    owner = company_signup(SUBDOMAIN)
    with schema_context(SUBDOMAIN):
        pipeline = Pipeline.objects.first()
        return pipeline.pk, session_for(owner), deal_board_groups_for(owner, pipeline.pk)


async def measure(
    sockets: int, broadcasts: int, per_second: float, setup: tuple[int, str, list[str]]
) -> None:
    pipeline, session, groups = setup
    port = free_port()
    server = start_server(port)
    try:
        uri = f"ws://{SUBDOMAIN}.localhost:{port}/ws/deals/board/{pipeline}/"
        arrivals = {"connected": 0, "expected": sockets, "latencies": []}
        ready, stop = asyncio.Event(), asyncio.Event()
        started = time.monotonic()
        tasks = [
            asyncio.create_task(listen(uri, port, f"sessionid={session}", arrivals, ready, stop))
            for _ in range(sockets)
        ]
        await asyncio.wait_for(ready.wait(), timeout=120)
        print(f"connected: {arrivals['connected']} sockets in {time.monotonic() - started:.1f} s")
        await asyncio.sleep(1)  # every consumer has joined its groups
        interval = 1 / per_second
        began = time.monotonic()
        for number in range(broadcasts):
            await asyncio.sleep(max(0.0, began + number * interval - time.monotonic()))
            event = {"type": "deal.changed", "id": uuid.uuid4().hex, "sent": time.time()}
            await asyncio.to_thread(broadcast_now, groups, event)
        await asyncio.sleep(2)  # the last broadcasts arrive
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        server.terminate()
        server.wait(timeout=20)
    latencies = arrivals["latencies"]
    expected = sockets * broadcasts
    print(f"broadcasts: {broadcasts} at {per_second:g}/s to {sockets} sockets")
    print(
        f"delivered: {len(latencies):,} of {expected:,} ({100 * len(latencies) / expected:.1f} %)"
    )
    if latencies:
        print(
            "latency ms: "
            + ", ".join(
                f"p{int(share * 100)} {percentile(latencies, share):.0f}"
                for share in (0.5, 0.95, 0.99)
            )
            + f", max {max(latencies):.0f}"
        )


if __name__ == "__main__":
    given = [float(value) for value in sys.argv[1:4]]
    count, total, rate = given + [500, 300, 10][len(given) :]
    with throwaway_database("bench_websockets"):
        asyncio.run(measure(int(count), int(total), rate, prepare()))
