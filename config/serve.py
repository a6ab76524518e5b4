"""The web server: uvicorn with worker processes (HTTP and websockets), the one definition of
its settings for production and for `make run`, the browser tests and the benchmarks.

`python -m config.serve [--host H] [--port P] [--workers N]` (the Dockerfile's command and the
chart's web pods give none and set HOST, PORT, WEB_WORKERS; WEB_GRACEFUL_TIMEOUT too).
bench/asgi_servers.py measured it against gunicorn managing uvicorn workers and against
granian; see the README's benchmarks.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import uvicorn


def metrics_folder_reset() -> None:
    """Each worker writes its metrics to PROMETHEUS_MULTIPROC_DIR; start from an empty one."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def trusted_proxies() -> list[str]:
    """FORWARDED_ALLOW_IPS, comma-separated; by default only this machine (a local proxy)."""
    value = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    return [item.strip() for item in value.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m config.serve")
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))  # noqa: S104 - pod
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
    options = parser.parse_args(argv)
    metrics_folder_reset()
    uvicorn.run(
        "config.asgi:application",
        host=options.host,
        port=options.port,
        workers=options.workers,
        lifespan="off",
        access_log=False,
        # live-update frames are small JSON; a bigger one is refused by the server itself
        ws_max_size=65536,
        # TLS ends at the ingress: X-Forwarded-For and -Proto are believed only from the proxies
        # named here (addresses or CIDR networks; the chart names the ingress's). Anyone else
        # could write any address there and walk around the sign-in lockout and limits.
        proxy_headers=True,
        forwarded_allow_ips=trusted_proxies(),
        timeout_graceful_shutdown=int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "25")),
    )


if __name__ == "__main__":
    main()
