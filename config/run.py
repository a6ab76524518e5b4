"""`make run`: the whole platform on embedded defaults, in one command.

Starts (or reuses) embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set,
migrates, creates the demo company, then runs a Celery worker and the ASGI server until Ctrl-C.
Unless EMAIL_URL is set, mail goes to a local SMTP sink (config.mailsink) that keeps every
message under .data/mail/.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from config import embedded


def web_command(port: str) -> list[str]:
    """The ASGI server (`config.serve`, as in production): HTTP and websockets for every host,
    one process on the loopback interface."""
    return [
        sys.executable,
        "-m",
        "config.serve",
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--workers",
        "1",
    ]


def web_env(env: dict[str, str]) -> dict[str, str]:
    """The web server's environment: pooled database connections (see DATABASE_POOL_SIZE)."""
    return {**env, "DATABASE_POOL_SIZE": env.get("DATABASE_POOL_SIZE", "4")}


def worker_command(*options: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "config", "worker", *options]


def sink_port(wanted: int) -> int:
    """`wanted` if nothing listens there, else a free port."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", wanted))
        except OSError:
            return embedded.free_port()
    return wanted


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env = dict(os.environ)
    uses_embedded = not env.get("DATABASE_URL") or not env.get("REDIS_URL")
    if not env.get("DATABASE_URL"):
        embedded.ensure_postgres()  # every child process reuses this server
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = embedded.ensure_redis()
    env.setdefault("DEBUG", "true")
    port = env.get("PORT", "8000")
    env.setdefault("BASE_URL_PORT", port)
    python = sys.executable
    processes = []
    if not env.get("EMAIL_URL"):
        mail_port = sink_port(int(env.get("MAIL_SINK_PORT", "1025")))
        env["EMAIL_URL"] = f"smtp://127.0.0.1:{mail_port}"
        sink = [python, "-m", "config.mailsink", "--port", str(mail_port)]
        processes.append(subprocess.Popen(sink, env=env))  # noqa: S603

    def manage(*args: str) -> None:
        subprocess.run([python, "manage.py", *args], env=env, check=True)  # noqa: S603

    manage("platform_migrate", "-v", "0")
    manage("demo_seed")
    processes += [
        subprocess.Popen(  # noqa: S603
            worker_command("--loglevel", "INFO", "--concurrency", "2", "--beat"), env=env
        ),
        subprocess.Popen(web_command(port), env=web_env(env)),  # noqa: S603
    ]
    base = env.get("BASE_DOMAIN", "localhost")
    print(
        f"\n  Tenantly CRM is starting.\n"
        f"  Public site and signup: http://{base}:{port}/\n"
        f"  Demo company's CRM:     http://demo.{base}:{port}/\n"
        f"  Customer portal:        http://demo.{base}:{port}/portal/\n"
        f"  Ctrl-C stops everything.\n",
        flush=True,
    )
    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for process in processes:
            if process.poll() is not None:
                exit_code = process.returncode or 1
                stopping = True
        time.sleep(0.5)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    if uses_embedded and not os.environ.get("KEEP_EMBEDDED"):
        embedded.stop_all()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
