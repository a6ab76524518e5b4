"""The production web server: gunicorn managing uvicorn workers (HTTP and websockets).

`gunicorn config.asgi:application --config=python:config.gunicorn` (the Helm chart and the
Dockerfile do this). bench/asgi_servers.py compares it with granian; see README.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from uvicorn_worker import UvicornWorker


class Worker(UvicornWorker):
    CONFIG_KWARGS = {  # noqa: RUF012 - uvicorn_worker's own class attribute
        "loop": "auto",
        "http": "auto",
        "lifespan": "off",
        # live-update frames are small JSON; a bigger one is refused by the server itself
        "ws_max_size": 65536,
        # TLS ends at the ingress; only it can reach the pods (the chart's NetworkPolicy)
        "proxy_headers": True,
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "*"),
    }


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "config.gunicorn.Worker"
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", "25"))
timeout = 60
keepalive = 5
accesslog = None
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108 - heartbeat files


def on_starting(server) -> None:
    """Each worker writes its metrics to PROMETHEUS_MULTIPROC_DIR; start from an empty one."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
