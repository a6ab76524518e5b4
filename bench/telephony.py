"""Call events acknowledged under a steady stream (issue 28: 200 a second, p99 under 100 ms).

The web server as production runs it (`config.serve`, two worker processes as in a web pod,
pooled database connections) on a throwaway database holding one company with CONTACTS
clients (default 20,000, each with a phone) and 20 colleagues with lines. Calls start at a
steady pace so that their events (ringing, answered, ended, recording; one call in four
missed: ringing, missed) arrive at RATE a second (default 200) for SECONDS (default 30); one
caller in five is new (a lead is made), and one event in ten is sent twice, as phone systems
retry. Each event is signed as production checks it; it is stored and acknowledged (202), and
a Celery worker (one process, started once the stream is over: on this 2-core machine it would
take the web server's CPU, in production it has its own) applies it. Prints the
acknowledgement latency percentiles and the answers that were not 202, how long the worker
took to apply everything, the calls and timeline entries made; beside them, the floors: the
same events applied in one process without HTTP (the service and its SQL alone), and the web
server answering its health check at the same rate (HTTP alone).

Usage: `python bench/telephony.py [RATE] [SECONDS] [CONTACTS]`.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from common import (  # noqa: E402
    company_signup,
    copy_rows,
    percentile,
    port_wait,
    process_start,
    process_stop,
    throwaway_database,
)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.embedded import database_url, free_port  # noqa: E402
from config.run import web_command, web_env, worker_command  # noqa: E402
from crm_core.activities.models import Interaction  # noqa: E402
from crm_core.channels.models import Call, CallEventRecord, PhoneLine  # noqa: E402
from crm_core.channels.telephony import (  # noqa: E402
    CallEvent,
    call_event_apply,
    telephony_get,
    webhook_signature,
)
from tenants.identity.roles import Role  # noqa: E402
from tenants.identity.services.users import user_create  # noqa: E402

SUBDOMAIN = "callbench"
COLLEAGUES = 20


def phone(index: int) -> str:
    return f"+7916{index:07d}"


def load(contacts: int) -> str:
    """The company, its clients with phones, its colleagues' lines; returns the call secret."""
    owner = company_signup(SUBDOMAIN, plan="business")
    with schema_context(SUBDOMAIN):
        colleagues = [
            user_create(
                email=f"rep{n}@{SUBDOMAIN}.test",
                full_name=f"Rep {n}",
                password="Bench-Password-2026",
                role=Role.SALES_REP,
            )
            for n in range(COLLEAGUES)
        ]
        PhoneLine.objects.bulk_create(
            PhoneLine(user=user, line=str(100 + n)) for n, user in enumerate(colleagues)
        )
        columns = (
            "first_name, last_name, position, emails, phones, preferred_channel, language, "
            "time_zone, consent_email, consent_sms, consent_calls, is_vip, notes, owner_id, "
            "segment_values, created_at, updated_at, version"
        )
        copy_rows(
            f'"{SUBDOMAIN}".crm_core_contact',
            columns,
            (
                f"Client\t{n}\t\t{{}}\t{{{phone(n)}}}\t\ten\t\tf\tf\tf\tf\t\t"
                f"{colleagues[n % COLLEAGUES].pk}\t{{}}\t"
                "2026-01-01 10:00+00\t2026-01-01 10:00+00\t1\n"
                for n in range(contacts)
            ),
        )
        del owner
        return telephony_get().secret


def events(count: int, contacts: int, prefix: str) -> list[dict]:
    """Calls' events, in the order a phone system sends them, `count` in all."""
    sent: list[dict] = []
    call = 0
    while len(sent) < count:
        call += 1
        known = random.random() < 0.8  # noqa: S311
        number = phone(random.randrange(contacts) if known else contacts + call)  # noqa: S311
        base = {
            "call_id": f"{prefix}-{call}",
            "direction": "inbound",
            "number": number,
            "line": str(100 + random.randrange(COLLEAGUES)),  # noqa: S311
        }
        if random.random() < 0.25:  # noqa: S311
            steps = [{"event": "ringing"}, {"event": "missed"}]
        else:
            steps = [
                {"event": "ringing"},
                {"event": "answered"},
                {"event": "ended", "duration_seconds": random.randint(10, 900)},  # noqa: S311
                {"event": "recording", "recording_url": f"https://pbx.test/rec/{call}.mp3"},
            ]
        for step in steps:
            sent.append({**base, **step})
            if random.random() < 0.1:  # noqa: S311
                sent.append({**base, **step})  # the phone system retries
    return sent[:count]


def stream(port: int, rate: int, bodies: list[dict | None], secret: str) -> tuple[list, list]:
    """Send each body (None: a health check) at `rate` a second; latencies and failures."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    local = threading.local()

    def deliver(body: dict | None) -> None:
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        began = time.perf_counter()
        if body is None:
            local.conn.request("GET", "/healthz", headers={"Host": "localhost"})
        else:
            payload = json.dumps(body).encode()
            headers = {
                "Host": f"{SUBDOMAIN}.localhost",
                "Content-Type": "application/json",
                "X-Tenantly-Signature": webhook_signature(secret, payload, int(time.time())),
            }
            local.conn.request("POST", "/hooks/calls/", payload, headers)
        response = local.conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - began) * 1000
        with lock:
            latencies.append(elapsed)
            if response.status not in (200, 202):
                failures.append(response.status)

    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        for index, body in enumerate(bodies):
            delay = began + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(deliver, body)
    return latencies, failures


def figures(label: str, latencies: list[float]) -> str:
    return (
        f"{label}: p50 {percentile(latencies, 0.5):.1f} ms, p90 {percentile(latencies, 0.9):.1f}"
        f" ms, p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
    )


def main(rate: int, seconds: int, contacts: int) -> None:
    with throwaway_database("bench_channels"):
        secret = load(contacts)
        own = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": "bench-calls",
        }
        env = web_env(own)  # the web server pools its connections; a worker keeps its own
        port = free_port()
        # two worker processes, as each web pod runs them (WEB_WORKERS, the chart's web.workers)
        server = process_start(
            [*web_command(str(port))[:-1], os.environ.get("WEB_WORKERS", "2")], env
        )
        worker = None
        total = rate * seconds
        try:
            port_wait(port)
            stream(port, 50, events(100, contacts, "warm"), secret)  # the pools' connections
            health, _down = stream(port, rate, [None] * total, secret)
            sent = events(total, contacts, "bench")
            began = time.monotonic()
            latencies, failures = stream(port, rate, sent, secret)
            sending = time.monotonic() - began
            # the worker runs after the stream (in production, workers have machines of their
            # own: on this 2-core machine it would take the web server's CPU)
            began = time.monotonic()
            worker = process_start(
                worker_command("-Q", "bench-calls", "-c", "1", "-l", "warning"), own
            )
            with schema_context(SUBDOMAIN):
                deadline = time.monotonic() + 600
                while time.monotonic() < deadline:
                    if not CallEventRecord.objects.filter(processed_at=None).exists():
                        break
                    time.sleep(0.5)
            drained = time.monotonic() - began
        finally:
            process_stop(server)
            if worker is not None:
                process_stop(worker)
        with schema_context(SUBDOMAIN):
            calls = Call.objects.filter(external_id__startswith="bench-")
            made, logged = calls.count(), calls.exclude(interaction=None).count()
            leads = calls.filter(lead_created=True).count()
            print(
                f"{total} call events at {rate}/s for {seconds}s, {contacts:,} clients with "
                f"phones, {COLLEAGUES} lines (one event in ten sent twice)"
            )
            print(figures("acknowledgement", latencies) + f"; not answered 202: {len(failures)}")
            print(
                f"sent in {sending:.1f}s; then one worker process applied them all in"
                f" {drained:.1f}s ({total / drained:.0f} events/s): calls {made}, logged on"
                f" timelines {logged}, new callers made leads {leads}"
            )
            # the floors: the service and its SQL alone, one process, no HTTP
            alone = events(2000, contacts, "alone")
            durations = []
            for body in alone:
                event = CallEvent(
                    provider="webhook",
                    call_id=body["call_id"],
                    kind=body["event"],
                    direction=body["direction"],
                    number=body["number"],
                    line=body["line"],
                    duration_seconds=body.get("duration_seconds"),
                    recording_url=body.get("recording_url", ""),
                )
                began = time.perf_counter()
                call_event_apply(event)
                durations.append((time.perf_counter() - began) * 1000)
            print(figures(f"floor, {len(alone)} events applied without HTTP", durations))
            print(
                f"  (that is {1000 / (sum(durations) / len(durations)):.0f} events/s in one"
                " process;"
                f" timeline entries now {Interaction.objects.count():,})"
            )
        print(figures(f"floor, the health check at {rate}/s (HTTP alone)", health))


if __name__ == "__main__":
    import sys

    arguments = [int(value) for value in sys.argv[1:4]]
    main(*(arguments + [200, 30, 20_000][len(arguments) :]))
