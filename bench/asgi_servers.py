"""Which ASGI server runs the web pods: requests per second and latency for a tenant-routed,
token-authenticated JSON endpoint (`GET /api/v1/contacts/?limit=20` with `Authorization: Bearer`
on a company's host), served by

- uvicorn with worker processes (`python -m config.serve`, what the Dockerfile and chart run),
- granian (`--interface asginl`: ASGI without the lifespan protocol Django lacks),
- gunicorn managing uvicorn workers (`uvicorn_worker.UvicornWorker`),

each with the same number of worker processes, on a throwaway database holding one company
with 1,000 contacts, loaded by `wrk` (Debian's `wrk` package) for a fixed time after a warm-up.
The load generator shares the machine with the server, as on the 2-core reference machine.
granian is a development dependency for this comparison; gunicorn is not installed at all
(`uv pip install gunicorn uvicorn-worker` to include it; a server not installed is skipped).

Usage: `python bench/asgi_servers.py [WORKERS] [SECONDS] [CONNECTIONS]` (defaults 2, 15, 32).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from common import company_signup, throwaway_database  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.embedded import database_url, free_port  # noqa: E402
from crm_core.parties.models import Contact
from tenants.identity.services.tokens import api_token_create  # noqa: E402

BASE_DIR = Path(__file__).resolve().parents[1]
SUBDOMAIN = "asgibench"
CONTACTS = 1000
PATH = "/api/v1/contacts/?limit=20"


def servers(workers: int, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "uvicorn workers (config.serve)": [python, "-m", "config.serve"],
        "granian": [
            python,
            "-m",
            "granian",
            "--interface",
            "asginl",  # Django's ASGI app has no lifespan protocol
            "--workers",
            str(workers),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "config.asgi:application",
        ],
        "gunicorn + uvicorn workers": [
            python,
            "-m",
            "gunicorn",
            "config.asgi:application",
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
        ],
    }


def wait_for(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen) -> None:
    """The server and every worker process it started (its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    time.sleep(1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wrk(port: int, token: str, seconds: int, connections: int) -> dict[str, float]:
    run = subprocess.run(  # noqa: S603
        [
            "wrk",
            "--threads",
            "2",
            "--connections",
            str(connections),
            "--duration",
            f"{seconds}s",
            "--latency",
            "--header",
            f"Host: {SUBDOMAIN}.localhost",
            "--header",
            f"Authorization: Bearer {token}",
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {run.stdout}{run.stderr}")
    output = run.stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for name in ("50", "90", "99"):
        match = re.search(rf"^\s+{name}%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        figures[f"p{name}"] = value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures["errors"] = float(errors.group(1)) if errors else 0.0
    return figures


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("This benchmark drives the servers with wrk: apt-get install wrk")
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    with throwaway_database("tenantly_bench_asgi"):
        owner = company_signup(SUBDOMAIN)
        with schema_context(SUBDOMAIN):
            Contact.objects.bulk_create(
                Contact(first_name=f"Name{index}", last_name=f"Bench{index}", owner=owner)
                for index in range(CONTACTS)
            )
            _, token = api_token_create(user=owner, name="bench")
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "WEB_WORKERS": str(workers),
            # what the chart sets for web pods: a pool of connections per process
            "DATABASE_POOL_SIZE": os.environ.get("BENCH_POOL_SIZE", "8"),
            "LOG_LEVEL": "WARNING",
            "DEBUG": "false",
        }
        print(
            f"GET {PATH} on {SUBDOMAIN}.localhost (Bearer token, {CONTACTS:,} contacts), "
            f"{workers} worker processes, wrk: 2 threads, {connections} connections, "
            f"{seconds} s after a 3 s warm-up; {os.cpu_count()} CPUs shared with the load"
        )
        print(f"{'server':30} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}")
        only = os.environ.get("BENCH_SERVERS", "")
        for name, command in servers(workers, 0).items():
            if only and not any(word in name for word in only.split(",")):
                continue
            port = free_port()
            if importlib.util.find_spec(command[2].split(".")[0]) is None:
                print(f"{name:30} (not installed: skipped)")
                continue
            command = [
                {"0": str(port), "127.0.0.1:0": f"127.0.0.1:{port}"}.get(part, part)
                for part in command
            ]
            log = open(f"/tmp/bench-asgi-{port}.log", "w")  # noqa: SIM115, S108
            process = subprocess.Popen(  # noqa: S603
                command,
                cwd=BASE_DIR,
                # granian imports the app inside its event loop, where django-tenants' start-up
                # check of PG_EXTRA_SEARCH_PATHS (a query) is refused: skip it there
                env={**env, "PORT": str(port), "SKIP_PG_EXTRA_VALIDATION": "true"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its worker processes stop with it
            )
            try:
                wait_for(port, process)
                wrk(port, token, 3, connections)  # warm-up: imports, connections, caches
                result = wrk(port, token, seconds, connections)
            finally:
                stop(process)
            print(
                f"{name:30} {result['rps']:8.0f} {result['p50']:8.1f} {result['p90']:8.1f} "
                f"{result['p99']:8.1f} {result['errors']:7.0f}"
            )


if __name__ == "__main__":
    main()
