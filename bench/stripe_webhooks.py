"""Stripe webhook acknowledgement under a steady stream of events.

The web server as production runs it (`config.serve`, one worker process, pooled database
connections) and a Celery worker handling the stored events, on a throwaway database holding
N companies (default 200) with Stripe customers. Events arrive at RATE per second (default 50)
for SECONDS (default 30), each signed with Stripe's scheme: subscription updates, paid and
failed invoices for random companies, one in ten a replay of an earlier event. Prints the
acknowledgement latency percentiles, the answers that were not 200, and how long the worker
took to handle everything. Billing is off (no Stripe API to read back from here), so handling
applies each event's own snapshot: the same code path as the tests.

Usage: `python bench/stripe_webhooks.py [RATE] [SECONDS] [COMPANIES]`.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from common import (  # noqa: E402
    percentile,
    port_wait,
    process_start,
    process_stop,
    throwaway_database,
)
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from billing.models import Plan, StripeEvent, Subscription  # noqa: E402
from config.embedded import database_url, free_port  # noqa: E402
from config.run import web_command, web_env, worker_command  # noqa: E402
from tenants.models import Tenant  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.billing.stripe_server import WEBHOOK_SECRET, event, sign  # noqa: E402


def companies_create(count: int) -> list[str]:
    """Company rows with subscriptions (no schemas: webhooks for subscriptions stay public)."""
    trial = Plan.objects.get(code="trial")
    customers = []
    for index in range(count):
        tenant = Tenant(schema_name=f"hook{index}", name=f"Hook {index}")
        tenant.auto_create_schema = False
        tenant.save()
        customer = f"cus_bench{index:05d}"
        Subscription.objects.create(tenant=tenant, plan=trial, stripe_customer_id=customer)
        customers.append(customer)
    plan = Plan.objects.get(code="team")
    plan.stripe_price_month = "price_team_month"
    plan.save()
    return customers


def random_event(customers: list[str]) -> dict:
    customer = random.choice(customers)  # noqa: S311
    kind = random.random()  # noqa: S311
    now = int(time.time())
    if kind < 0.6:
        return event(
            "customer.subscription.updated",
            {
                "id": f"sub_{customer}",
                "object": "subscription",
                "customer": customer,
                "status": random.choice(["active", "active", "past_due"]),  # noqa: S311
                "items": {
                    "data": [
                        {
                            "price": {"id": "price_team_month"},
                            "quantity": random.randint(1, 20),  # noqa: S311
                            "current_period_end": now + 86400 * 30,
                        }
                    ]
                },
            },
        )
    status = "paid" if kind < 0.9 else "open"
    return event(
        "invoice.paid" if status == "paid" else "invoice.finalized",
        {
            "id": f"in_{random.randint(0, 10**9)}",  # noqa: S311
            "object": "invoice",
            "customer": customer,
            "status": status,
            "currency": "eur",
            "amount_due": 2500,
            "amount_paid": 2500 if status == "paid" else 0,
            "created": now,
        },
    )


def main(rate: int, seconds: int, companies: int) -> None:
    with throwaway_database("bench_webhooks"):
        customers = companies_create(companies)
        own = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": settings.REDIS_URL,
            "STRIPE_SECRET_KEY": "",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CELERY_QUEUE": "bench-webhooks",
        }
        env = web_env(own)  # the web server pools its connections; a worker keeps its own
        port = free_port()
        server = process_start(web_command(str(port)), env)
        worker = process_start(
            worker_command("-Q", "bench-webhooks", "-c", "1", "-l", "warning"), own
        )
        try:
            port_wait(port)
            total = rate * seconds
            sent: list[dict] = []
            for _ in range(total):
                replay = sent and random.random() < 0.1  # noqa: S311
                sent.append(random.choice(sent) if replay else random_event(customers))  # noqa: S311
            latencies: list[float] = []
            failures: list[int] = []
            lock = threading.Lock()
            local = threading.local()

            def deliver(body: dict) -> None:
                if not hasattr(local, "conn"):
                    local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                payload = json.dumps(body).encode()
                headers = {
                    "Host": "localhost",
                    "Content-Type": "application/json",
                    "Stripe-Signature": sign(payload),
                }
                began = time.perf_counter()
                local.conn.request("POST", "/billing/stripe/webhook/", payload, headers)
                response = local.conn.getresponse()
                response.read()
                elapsed = (time.perf_counter() - began) * 1000
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200:
                        failures.append(response.status)

            # warm-up: the first requests open the pool's connections
            for body in sent[:20]:
                deliver(body)
            latencies.clear()
            began = time.monotonic()
            with ThreadPoolExecutor(max_workers=16) as pool:
                for index, body in enumerate(sent):
                    delay = began + index / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(deliver, body)
            sending = time.monotonic() - began
            unique = len({body["id"] for body in sent})
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                handled = StripeEvent.objects.exclude(processed_at=None).count()
                if handled >= unique:
                    break
                time.sleep(0.5)
            drained = time.monotonic() - began
        finally:
            process_stop(server)
            process_stop(worker)
        print(
            f"{total} events at {rate}/s for {seconds}s ({unique} distinct, the rest replays), "
            f"{companies} companies; sent in {sending:.1f}s"
        )
        print(
            "acknowledgement: "
            f"p50 {percentile(latencies, 0.5):.1f} ms, p90 {percentile(latencies, 0.9):.1f} ms, "
            f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms; "
            f"not 200: {len(failures)}"
        )
        print(
            f"stored {StripeEvent.objects.count()} events, handled {handled}, "
            f"all handled {drained:.1f}s after the first was sent"
        )


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:4]]
    main(*(arguments + [50, 30, 200][len(arguments) :]))
