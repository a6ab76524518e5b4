"""Mailings at size: an audience of N contacts (default 1,000,000, loaded by COPY) resolved as a
campaign does it (counted with the consent left out, then frozen into the campaign's members),
and a mailing to M of them (default 100,000) sent by two Celery worker processes (solo pool,
as `make run` starts them) over SMTP into the local sink (config.mailsink, aiosmtpd, in this
process), twice: once as it is, once with one worker killed (SIGKILL) halfway and the beat's
recovery run at once (as it would after STOPPED_AFTER). The sink counts what each address
received: every recipient exactly once, but for the one message per killed worker whose fate
is unknown (it may have gone: it is not sent again, and the log says so).

Beside the figures, the floors: the audience's SQL alone (a count over the same contacts),
and the sink's own speed (the same number of ready-made messages pushed by two processes with
smtplib, no database and no rendering).

Usage: `python bench/mailing.py [N] [M]`. Targets: the mailing at 500 messages a second or
more with two workers on two cores; the audience resolved in under 5 s.
"""

from __future__ import annotations

import os
import resource
import signal
import smtplib
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from multiprocessing import Process
from pathlib import Path

os.environ["CELERY_QUEUE"] = "bench-mailing"  # the workers below take this queue only
os.environ.setdefault("MAILING_WORKERS", "2")

from common import company_signup, copy_rows, throwaway_database  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.mail import EmailMultiAlternatives  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from config.embedded import database_url, free_port  # noqa: E402
from config.mailsink import Sink, sink_start  # noqa: E402
from config.run import worker_command  # noqa: E402
from crm_core.jobs.running import STOPPED_AFTER  # noqa: E402
from crm_core.marketing.mailings import mailing_save, mailing_start, mailings_recover  # noqa: E402
from crm_core.marketing.models import Mailing, MailingRecipient  # noqa: E402
from crm_core.marketing.services import (  # noqa: E402
    audience_counts,
    audience_save,
    campaign_members_add,
    campaign_save,
)
from tenants.models import Tenant  # noqa: E402

BASE_DIR = Path(__file__).resolve().parents[1]
BODY = (
    "<p>Hello {{ contact.first_name }},</p><p>{{ campaign.name }}: the new racks are in. "
    '<a href="https://example.com/racks">See them</a> or '
    '<a href="https://example.com/visit">book a visit</a>.</p>'
    '<p>{{ sender.name }}</p><p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def load_contacts(schema: str, count: int, owner_id: int) -> float:
    """`count` contacts who agreed to emails (every tenth did not), by COPY."""
    columns = (
        "first_name, last_name, position, emails, phones, preferred_channel, language, "
        "time_zone, consent_email, consent_sms, consent_calls, is_vip, notes, owner_id, "
        "segment_values, created_at, updated_at, version"
    )
    lines = (
        f"Anna{index}\tPetrova\t\t{{m{index}@bench.test}}\t{{}}\t\ten\t\t"
        f"{'f' if index % 10 == 9 else 't'}\tf\tf\tf\t\t{owner_id}\t{{}}\t"
        "2026-01-01 10:00+00\t2026-01-01 10:00+00\t1\n"
        for index in range(count)
    )
    return copy_rows(f'"{schema}".crm_core_contact', columns, lines)


def audience_resolve(owner, schema: str) -> None:
    audience = audience_save(
        actor=owner, audience=None, data={"name": "Everyone", "query": "", "consent": "email"}
    )
    campaign = campaign_save(
        actor=owner,
        campaign=None,
        data={"name": "Everyone", "kind": "mailing", "starts_on": date(2026, 12, 1)},
    )
    campaign.audience = audience
    campaign.save(update_fields=["audience"])
    started = time.perf_counter()
    agreed, left_out = audience_counts(audience=audience, user=owner)
    counted = time.perf_counter() - started
    started = time.perf_counter()
    added, _left = campaign_members_add(actor=owner, campaign=campaign)
    frozen = time.perf_counter() - started
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(
            f'SELECT count(*) FROM "{schema}".crm_core_contact '  # noqa: S608
            "WHERE consent_email AND archived_at IS NULL"
        )
        floor = time.perf_counter() - started
    print(
        f"Audience of {agreed + left_out:,} contacts ({agreed:,} agreed to emails, "
        f"{left_out:,} left out):\n"
        f"  counted (the audience page)              {counted:6.2f} s   "
        f"floor, the count in SQL alone: {floor:.2f} s\n"
        f"  frozen into {added:,} campaign members   {frozen:6.2f} s   "
        f"resolved in all: {counted + frozen:.2f} s (target under 5 s)",
        flush=True,
    )


def campaign_of(owner, schema: str, size: int) -> Mailing:
    campaign = campaign_save(
        actor=owner,
        campaign=None,
        data={"name": "Spring racks", "kind": "mailing", "starts_on": date(2026, 12, 1)},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{schema}".crm_core_campaignmember '  # noqa: S608
            "(campaign_id, contact_id, status, added_at) "
            f"SELECT %s, id, 'targeted', now() FROM \"{schema}\".crm_core_contact "
            "WHERE consent_email ORDER BY id LIMIT %s",
            [campaign.pk, size],
        )
    return mailing_save(
        actor=owner,
        campaign=campaign,
        mailing=None,
        data={"subject": "{{ contact.first_name }}, the racks are in", "body": BODY},
    )


def workers_start(env: dict[str, str], count: int = 2) -> list[subprocess.Popen]:
    return [
        subprocess.Popen(  # noqa: S603
            worker_command(
                "--pool", "solo", "--loglevel", "WARNING", "-n", f"bench-{uuid.uuid4().hex[:8]}@%h"
            ),
            cwd=BASE_DIR,
            env=env,
        )
        for _ in range(count)
    ]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """The machine's CPU seconds so far: busy (all cores), and idle or waiting."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def send(owner, mailing: Mailing, env: dict[str, str], *, kill: bool) -> None:
    sink = Sink()
    port = int(env["EMAIL_URL"].rsplit(":", 1)[1])
    controller = sink_start(sink, port=port)
    workers = workers_start(env)
    time.sleep(4)  # the workers connect to the broker
    size = mailing.campaign.members.count()
    worker_cpu = {worker.pid: cpu_seconds(worker.pid) for worker in workers}
    own_cpu, machine = resource.getrusage(resource.RUSAGE_SELF), machine_cpu()
    started = time.perf_counter()
    mailing_start(actor=owner, mailing=mailing)
    killed = recovered = 0
    while True:
        time.sleep(0.2)
        if kill and not killed and sink.total >= size // 2:
            dead = workers[0]
            worker_cpu[dead.pid] = cpu_seconds(dead.pid) - worker_cpu[dead.pid]
            dead.send_signal(signal.SIGKILL)
            dead.wait()
            # its supervisor (systemd, Kubernetes) starts another in its place
            workers[0] = workers_start(env, count=1)[0]
            worker_cpu[workers[0].pid] = cpu_seconds(workers[0].pid)
            killed = 1
        if killed and not recovered:
            # the beat's recovery, as it runs once STOPPED_AFTER has passed
            recovered = mailings_recover(now=timezone.now() + STOPPED_AFTER + timedelta(seconds=1))
        status = Mailing.objects.filter(pk=mailing.pk).values_list("status", flat=True).get()
        if status == Mailing.Status.SENT:
            break
        if all(worker.poll() is not None for worker in workers):
            raise RuntimeError("the workers stopped")
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker_cpu[worker.pid] = cpu_seconds(worker.pid) - worker_cpu[worker.pid]
    after = resource.getrusage(resource.RUSAGE_SELF)
    sink_cpu = after.ru_utime + after.ru_stime - own_cpu.ru_utime - own_cpu.ru_stime
    busy = machine_cpu()[0] - machine[0]
    for worker in workers:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)
    time.sleep(0.5)
    controller.stop()
    rows = MailingRecipient.objects.filter(mailing=mailing)
    in_doubt = set(rows.filter(status="failed").values_list("email", flat=True))
    sent = rows.filter(status="sent").count()
    twice = sum(1 for count in sink.received.values() if count > 1)
    emails = set(rows.values_list("email", flat=True))
    missing = emails - set(sink.received)
    label = "one worker killed halfway" if kill else "both workers throughout"
    doubt = ""
    if in_doubt:
        got = len(in_doubt - missing)
        doubt = f" (the sink got {got} of them)"
    print(
        f"Mailing to {size:,} recipients, {label}:\n"
        f"  {elapsed:6.1f} s, {size / elapsed:6.0f} messages a second (target 500 or more)\n"
        f"  CPU per message: workers {1000 * sum(worker_cpu.values()) / size:.2f} ms, "
        f"the sink (this process) {1000 * sink_cpu / size:.2f} ms, the whole machine "
        f"{1000 * busy / size:.2f} ms ({busy / elapsed:.2f} of its {os.cpu_count()} cores busy)\n"
        f"  the sink received {sink.total:,} messages for {len(sink.received):,} addresses; "
        f"more than once: {twice}; sent in the log: {sent:,}\n"
        f"  in doubt (its worker killed while sending it; not sent again): {len(in_doubt)}{doubt};"
        f" never received: {len(missing)}, all of them among those in doubt: "
        f"{missing <= in_doubt}",
        flush=True,
    )
    if twice:
        raise RuntimeError("a recipient got the message twice")


def push(port: int, count: int, message: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for index in range(count):
            smtp.sendmail("news@bench.test", [f"floor{index}@bench.test"], message)


def smtp_floor(count: int) -> None:
    sink = Sink()
    port = free_port()
    controller = sink_start(sink, port=port)
    message = EmailMultiAlternatives(
        subject="Anna, the racks are in",
        body="Hello Anna,\n" + "The new racks are in.\n" * 6,
        from_email="Bench <news@bench.test>",
        to=["anna@bench.test"],
        headers={"List-Unsubscribe": "<http://mailbench.localhost/portal/email/x/>"},
    )
    message.attach_alternative("\n".join([BODY] * 2), "text/html")
    raw = message.message().as_bytes(linesep="\r\n")
    started = time.perf_counter()
    senders = [Process(target=push, args=(port, count // 2, raw)) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    elapsed = time.perf_counter() - started
    controller.stop()
    print(
        f"Floor: {sink.total:,} ready-made messages pushed by two smtplib processes into the "
        f"sink: {elapsed:.1f} s, {sink.total / elapsed:.0f} a second",
        flush=True,
    )


def main(audience_size: int, mailing_size: int) -> None:
    celery_app.control.purge()  # what an interrupted run left in the queue
    with throwaway_database("bench_mailing"):
        owner = company_signup("mailbench", plan="business")
        tenant = Tenant.objects.get(schema_name="mailbench")
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": settings.REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{free_port()}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        with tenant_context(tenant):
            loaded = load_contacts("mailbench", audience_size, owner.pk)
            print(f"{audience_size:,} contacts loaded by COPY in {loaded:.0f} s", flush=True)
            audience_resolve(owner, "mailbench")
            for kill in (False, True):
                mailing = campaign_of(owner, "mailbench", mailing_size)
                send(owner, mailing, env, kill=kill)
        smtp_floor(min(mailing_size, 40_000))


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 100_000,
    )
