"""The production web server as the chart runs it (`python -m config.serve`, two uvicorn
workers, production settings, a pool of database connections), against the suite's real
PostgreSQL and Redis: it starts and serves a company's API; it believes X-Forwarded-For only
from the proxies it is told of, so rotating that header walks around no lockout or limit; and
a flood of error pages leaves its connection pool whole."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, connections

from config.embedded import database_url, free_port
from tenants.identity.models import User
from tenants.identity.roles import Role
from tests.conftest import PASSWORD, tenant_handle

BASE_DIR = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.2"  # the "ingress": the only peer whose X-Forwarded-For is believed
GLOBAL_LIMIT = 12


@dataclass
class Server:
    port: int
    log: Path

    def request(self, method: str, path: str, **options) -> tuple[int, bytes]:
        status, body, _headers = self.exchange(method, path, **options)
        return status, body

    def exchange(
        self,
        method: str,
        path: str,
        *,
        host: str = "alpha.localhost",
        headers: dict[str, str] | None = None,
        body: str | None = None,
        source: str = "127.0.0.1",
        timeout: float = 20,
    ) -> tuple[int, bytes, http.client.HTTPMessage]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(source, 0)
        )
        try:
            conn.request(
                method,
                path,
                body=body,
                headers={"Host": host, "X-Forwarded-Proto": "https", **(headers or {})},
            )
            response = conn.getresponse()
            return response.status, response.read(), response.headers
        finally:
            conn.close()


def _committed(function):
    """Run `function` in a thread of its own (its own connection, autocommit: the server's
    processes see what it wrote), whatever event loop the test session's thread has open."""

    def call():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _session_for(user: User) -> str:
    """A signed-in session of `user`, committed, as the sign-in page would leave it."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("prod") / "server.log"
    redis_url = settings.REDIS_URL.rstrip("/") + "/7"
    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "TENANTLY_EMBEDDED_DEFAULTS": "false",
        # the suite's key: the sessions this test writes are signed with it
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url(connection.settings_dict),
        # a Redis database of its own: its counters never meet the suite's
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": "production-test",
        "DATABASE_POOL_SIZE": "2",
        "FORWARDED_ALLOW_IPS": PROXY,
        "GLOBAL_LOGIN_ATTEMPTS_PER_MINUTE": str(GLOBAL_LIMIT),
        "LOG_FORMAT": "text",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DEBUG", None)
    with open(log, "w") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "config.serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=BASE_DIR,
            env={**env, "WEB_WORKERS": "2"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Server(port, log)
    deadline = time.monotonic() + 90
    while True:
        try:
            if running.request("GET", "/readyz", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise AssertionError(f"the server did not start:\n{log.read_text()}")
        time.sleep(0.3)
    yield running
    process.terminate()
    process.wait(timeout=30)

    def forget_attempts() -> None:
        with tenant_handle("alpha").active():
            AccessAttempt.objects.all().delete()

    with django_db_blocker.unblock():
        _committed(forget_attempts)


def _token(server: Server) -> str:
    status, body = server.request(
        "POST",
        "/api/v1/auth/token/",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"email": "owner@alpha.test", "password": PASSWORD, "name": "prod"}),
    )
    assert status == 201, body
    return json.loads(body)["token"]


def test_two_workers_with_production_settings_serve_a_companys_api(server):
    token = _token(server)
    statuses = {
        server.request("GET", "/api/v1/contacts/", headers={"Authorization": f"Bearer {token}"})[0]
        for _ in range(6)
    }
    assert statuses == {200}
    # both worker processes started (each logs its start-up)
    assert len(re.findall(r"Started server process", server.log.read_text())) >= 2


def _login(server: Server, email: str, forwarded: str, source: str = "127.0.0.1") -> int:
    return server.request(
        "POST",
        "/api/v1/auth/token/",
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded},
        body=json.dumps({"email": email, "password": "wrong-password-123"}),
        source=source,
    )[0]


def test_a_rotated_forwarded_for_from_an_untrusted_peer_does_not_escape_the_lockout(server):
    email = f"victim-{uuid.uuid4().hex[:6]}@alpha.test"
    answers = [_login(server, email, f"198.51.100.{n}") for n in range(1, 9)]
    # the fifth wrong password locks the account, whatever address the header claims
    assert answers[:4] == [401] * 4
    assert answers[4:] == [429] * 4
    # the ingress's word counts: through it, another client is another address
    assert _login(server, email, "203.0.113.77", source=PROXY) == 401


def test_https_is_the_word_of_the_trusted_proxy_only(server):
    """HSTS goes out on HTTPS answers only: a client claiming HTTPS itself gets none."""
    https = {"X-Forwarded-Proto": "https"}
    _status, _body, trusted = server.exchange("GET", "/login/", headers=https, source=PROXY)
    assert "Strict-Transport-Security" in trusted
    _status, _body, untrusted = server.exchange("GET", "/login/", headers=https)
    assert "Strict-Transport-Security" not in untrusted


def test_the_platform_wide_limit_counts_the_real_peer(server):
    # each attempt names another account (no lockout) and claims another address
    answers = [
        _login(
            server, f"u{n}-{uuid.uuid4().hex[:4]}@alpha.test", f"192.0.2.{n}", source="127.0.0.3"
        )
        for n in range(GLOBAL_LIMIT + 3)
    ]
    assert answers[:GLOBAL_LIMIT] == [401] * GLOBAL_LIMIT
    assert set(answers[GLOBAL_LIMIT:]) == {429}


@pytest.fixture(scope="module")
def sessions(server, django_db_blocker) -> Iterator[dict[str, str]]:
    """Committed sessions of alpha's owner and of a sales rep (removed afterwards)."""

    def sign_in() -> tuple[int, dict[str, str]]:
        handle = tenant_handle("alpha")
        rep = handle.make_user(Role.SALES_REP, email=f"rep-{uuid.uuid4().hex[:6]}@alpha.test")
        with handle.active():
            return rep.pk, {"owner": _session_for(handle.owner()), "rep": _session_for(rep)}

    def remove(rep_id: int) -> None:
        with tenant_handle("alpha").active():
            User.objects.filter(pk=rep_id).delete()

    with django_db_blocker.unblock():
        rep_id, signed_in = _committed(sign_in)
    yield signed_in
    with django_db_blocker.unblock():
        _committed(lambda: remove(rep_id))


def test_a_flood_of_error_pages_leaves_the_pool_whole(server, sessions):
    def get(path: str, who: str) -> int:
        cookie = f"sessionid={sessions[who]}"
        return server.request("GET", path, headers={"Cookie": cookie})[0]

    jobs = [("/contacts/999999/", "owner"), ("/settings/segments/new/", "rep")] * 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda job: get(*job), jobs))
    assert answers.count(404) == 20
    assert answers.count(403) == 20
    # and then it serves as before (a pool of two connections, none of them lost)
    assert get("/contacts/", "owner") == 200
