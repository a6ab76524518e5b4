"""A local SMTP server that keeps every message instead of delivering it (aiosmtpd): `make run`
sends the CRM's mail here, so a newcomer sees real messages arrive, each as an `.eml` file
(opens in any mail program) and a line on the console; the browser tests and the mailing
benchmark use it as their mail server too.

    python -m config.mailsink --port 1025 --folder .data/mail
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

from config.embedded import data_dir

# aiosmtpd logs every SMTP command at INFO: only its warnings
logging.getLogger("mail.log").setLevel(logging.WARNING)


class Sink:
    """The aiosmtpd handler: each message is accepted, counted per recipient and, with a
    folder, written there (one file per message, named so that they sort as they came)."""

    def __init__(self, folder: Path | None = None, *, echo: bool = False) -> None:
        self.folder = folder
        self.echo = echo
        self.received = Counter[str]()
        self.total = 0
        self._lock = threading.Lock()
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            self.total += 1
            number = self.total
            self.received.update(address.lower() for address in envelope.rcpt_tos)
        content = envelope.original_content or b""
        if self.folder is not None:
            (self.folder / f"{time.time_ns()}-{number:07d}.eml").write_bytes(content)
        if self.echo:
            headers = message_from_bytes(content, policy=policy.default)
            print(
                f"  mail: {', '.join(envelope.rcpt_tos)} · {headers.get('Subject', '')}",
                flush=True,
            )
        return "250 Message accepted for delivery"


def sink_start(sink: Sink, *, port: int, host: str = "127.0.0.1") -> Controller:
    """Serve `sink` on host:port in a thread of this process; `.stop()` ends it."""
    controller = Controller(sink, hostname=host, port=port, data_size_limit=50 * 1024 * 1024)
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser(description="A local SMTP server keeping every message.")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--folder", type=Path, default=data_dir() / "mail")
    options = parser.parse_args()
    controller = sink_start(Sink(options.folder, echo=True), port=options.port)
    print(f"  Mail sink: smtp://127.0.0.1:{options.port}, messages in {options.folder}", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stopped.set())
    signal.signal(signal.SIGINT, lambda *_args: stopped.set())
    stopped.wait()
    controller.stop()


if __name__ == "__main__":
    main()
