"""Browser tests: Debian's Chromium driven by Playwright against a real uvicorn server and a real
Celery worker (subprocesses) on the test database; mail goes over SMTP to the local sink
(config.mailsink, aiosmtpd), whose files the tests read."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from playwright.sync_api import Browser, Page, sync_playwright

from config.embedded import database_url, free_port
from config.mailsink import Sink, sink_start
from config.run import web_command, web_env, worker_command
from tests.dns_server import DnsServer

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


class Mailbox:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def messages(self) -> list[str]:
        return [path.read_text() for path in sorted(self.folder.glob("*.eml"))]

    def link_to(self, recipient: str, pattern: str, timeout: float = 20) -> str:
        """The first link matching `pattern` in the newest mail to `recipient`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in reversed(self.messages()):
                if f"To: {recipient}" in message:
                    match = re.search(pattern, message)
                    if match:
                        return match.group(0)
            time.sleep(0.2)
        raise AssertionError(f"no mail to {recipient} with a link like {pattern}")


@pytest.fixture(scope="session")
def dns(django_db_setup) -> Iterator[DnsServer]:
    """The DNS the server's processes ask (companies' domain TXT records); tests publish."""
    server = DnsServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def server(django_db_setup, dns, tmp_path_factory) -> Iterator[dict]:
    port = free_port()
    mail_dir = tmp_path_factory.mktemp("mail")
    mail_port = free_port()
    sink = sink_start(Sink(mail_dir), port=mail_port)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": "e2e",
        "EXPORT_DIRECT_ROWS": "1",  # a list of two is exported in the background
        "WEBFORM_MIN_SECONDS": "1",  # a visitor in a test types fast
        "EMAIL_URL": f"smtp://127.0.0.1:{mail_port}",
        "BASE_URL_PORT": str(port),
        "DNS_NAMESERVERS": dns.address,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp_path_factory.mktemp("logs") / "server.log", "w")  # noqa: SIM115
    processes = [
        subprocess.Popen(  # noqa: S603
            command, cwd=BASE_DIR, env=command_env, stdout=log, stderr=subprocess.STDOUT
        )
        for command, command_env in (
            (web_command(str(port)), web_env(env)),
            (worker_command("--pool", "solo", "--loglevel", "WARNING"), env),
        )
    ]
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if time.monotonic() > deadline or processes[0].poll() is not None:
                log.flush()
                raise RuntimeError(Path(log.name).read_text()) from None
            time.sleep(0.2)
    yield {"port": port, "mailbox": Mailbox(mail_dir), "log": log.name}
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=20)
    sink.stop()
    log.close()


@pytest.fixture(scope="session")
def browser(server) -> Iterator[Browser]:
    """Started after the server: under Playwright's event loop Django refuses ORM calls."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                # companies' own domains in the tests (shop.example.test) reach the server
                "--host-resolver-rules=MAP *.test 127.0.0.1",
            ],
        )
        yield chromium
        chromium.close()


def csp_violations(page: Page) -> list[str]:
    """Collects what the Content-Security-Policy blocks on the page: every flow runs under the
    production policy, and a blocked script, style or form fails the test that met it."""
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    blocked = csp_violations(page)
    yield page
    context.close()
    assert blocked == [], "the Content-Security-Policy blocked: " + "; ".join(blocked)


@pytest.fixture
def site(server):
    """URL builder: site() is the public site, site('acme') a tenant's host."""

    def url(subdomain: str | None = None, path: str = "/") -> str:
        host = f"{subdomain}.localhost" if subdomain else "localhost"
        return f"http://{host}:{server['port']}{path}"

    return url
