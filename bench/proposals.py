"""A proposal's PDF: a 3-page proposal with 30 lines, drawn from the built-in template through
the code the download calls (context, sandboxed template, WeasyPrint), N times.

Beside it, its parts alone: filling the template (the values and Jinja) and WeasyPrint laying
out the same HTML (the floor: the PDF cannot come faster than WeasyPrint draws it).

Then a deal's document package of about 50 pages (a proposal of 280 lines: the proposal, the
contract, the invoice, the act and the delivery note), asked for through the page as a user
does, made by a real Celery worker (a thread of this process, on the embedded Redis, as in the
tests; in production it is another process or machine): how long the web request that asks
takes, how long the worker takes to the ZIP, and how fast the deal's page answers while the
worker runs (the web process is not blocked; here it even shares one Python with the
worker, so both share one core's worth of Python: the first package is timed alone, the others
while the page is asked for). Beside it, WeasyPrint drawing the five documents alone (the
floor).
Usage: `python bench/proposals.py [N]` (default 30). Targets: the PDF's p95 under 1.5 s; the
package in the background, the web process answering meanwhile.
"""

from __future__ import annotations

import io
import logging
import statistics
import sys
import threading
import time
from decimal import Decimal

from celery.contrib.testing.worker import start_worker  # noqa: E402
from common import company_signup, percentile, throwaway_database  # noqa: E402
from django.test import Client  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from crm_core.commerce.services import price_list_save, prices_set, product_save  # noqa: E402
from crm_core.common.pdf import html_to_pdf  # noqa: E402
from crm_core.deals.services import deal_create  # noqa: E402
from crm_core.parties.services import company_create, contact_create  # noqa: E402
from crm_core.proposals.drafting import LineInput, proposal_create  # noqa: E402
from crm_core.proposals.models import DocumentPackage  # noqa: E402
from crm_core.proposals.templating import (  # noqa: E402
    GENERATED,
    proposal_context,
    proposal_html,
    proposal_pdf,
    render_html,
    template_for,
)
from crm_core.segments.services import segment_save  # noqa: E402
from tenants.models import Tenant  # noqa: E402

LINES = 30
PACKAGE_LINES = 280
PACKAGES = 3
MESSAGE = (
    "Thank you for the meeting. As agreed, this proposal covers the racking of the new "
    "warehouse, its delivery and assembly, and a year of service. "
) * 28


def timed(work, repeats: int) -> list[float]:
    work()  # warm-up: fonts and the template are loaded once per process
    durations = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        durations.append(time.perf_counter() - started)
    return durations


def main(repeats: int) -> None:
    with throwaway_database("bench_proposals"):
        owner = company_signup("proposals")
        with tenant_context(Tenant.objects.get(schema_name="proposals")):
            segment = segment_save(segment=None, data={"name": "Distributors"})
            products = [
                product_save(
                    product=None,
                    data={"sku": f"RACK-{i:03d}", "name": f"Pallet racking section, type {i}"},
                )
                for i in range(PACKAGE_LINES)
            ]
            prices = price_list_save(
                price_list=None,
                data={"name": "Distributors", "currency": "RUB", "segment": segment},
            )
            prices_set(
                price_list=prices,
                prices={product.pk: Decimal(1000 + 37 * i) for i, product in enumerate(products)},
            )
            company = company_create(actor=owner, data={"name": "Wombat Trade", "segment": segment})
            contact_create(
                actor=owner,
                data={"first_name": "Ivan", "company": company, "emails": ["ivan@wombat.test"]},
            )
            proposal = proposal_create(
                actor=owner,
                client=company,
                data={
                    "message": MESSAGE,
                    "language": "ru",
                    "lines": [
                        LineInput(product, Decimal(i + 1), Decimal(i % 4 * 5))
                        for i, product in enumerate(products[:LINES])
                    ],
                },
            )
            html = proposal_html(proposal)
            pages = len(PdfReader(io.BytesIO(proposal_pdf(proposal))).pages)
            whole = timed(lambda: proposal_pdf(proposal), repeats)
            filling = timed(lambda: proposal_html(proposal), repeats)
            drawing = timed(lambda: html_to_pdf(html), repeats)
            package = package_bench(owner, company, products)
    print(f"One proposal: {LINES} lines, {pages} pages (A4), Russian, built-in template")
    print(f"{'':34} {'p50':>9} {'p95':>9}   ({repeats} runs)")
    for label, values in (
        ("PDF download (the code path)", whole),
        ("  filling the template alone", filling),
        ("  WeasyPrint alone (the floor)", drawing),
    ):
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        print(f"{label:34} {p50:7.0f}ms {p95:7.0f}ms")
    print("target: the PDF's p95 under 1.5 s")
    print()
    print(
        f"A document package: {len(GENERATED)} documents of a {PACKAGE_LINES}-line proposal, "
        f"{package['pages']} pages (A4), Russian, {PACKAGES} packages one after another"
    )
    for label, values in (
        ("the request asking for it", package["ask"]),
        ("the worker, to the ZIP", package["alone"]),
        ("  WeasyPrint alone (the floor)", package["floor"]),
        ("the worker, the page asked meanwhile", package["beside"]),
        ("the deal's page meanwhile", package["page"]),
    ):
        p50, p95 = percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000
        print(f"{label:34} {p50:7.0f}ms {p95:7.0f}ms   ({len(values)} samples)")
    print(
        f"the deal's page on a quiet worker: median {package['quiet'] * 1000:.0f} ms; "
        "target: the package made in the background, the web process answering meanwhile"
    )


def package_bench(owner, company, products) -> dict:
    """Ask for a deal's five documents through the page, PACKAGES times; the worker makes them
    while the deal's page is requested over and over."""
    deal = deal_create(actor=owner, data={"title": "Wombat warehouse", "company": company})
    proposal = proposal_create(
        actor=owner,
        client=company,
        data={
            "deal": deal,
            "message": MESSAGE,
            "language": "ru",
            "lines": [LineInput(product, Decimal(i % 9 + 1)) for i, product in enumerate(products)],
        },
    )
    client = Client(HTTP_HOST="proposals.localhost")
    client.force_login(owner)
    deal_page = f"/deals/{deal.pk}/"
    quiet = statistics.median(timed(lambda: client.get(deal_page), 10))
    context = proposal_context(proposal)
    htmls = [
        render_html(template_for(kind, proposal.segment_id, "ru")[1], context, "ru")
        for kind in GENERATED
    ]
    floor = timed(lambda: [html_to_pdf(html) for html in htmls], PACKAGES)
    asks, alone, beside, page, pages = [], [], [], [], 0
    logging.getLogger("celery").setLevel(logging.WARNING)
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        for run in range(PACKAGES):
            # the first package alone; then the deal's page asked for all along, in this process
            busy = run > 0
            started = time.perf_counter()
            answer = client.post(
                "/document-packages/new/",
                {"proposal": proposal.pk, "kinds": list(GENERATED)},
                HTTP_ACCEPT_LANGUAGE="ru",
            )
            asks.append(time.perf_counter() - started)
            if answer.status_code != 302:
                raise RuntimeError(f"asking for the package: {answer.status_code}")
            package = DocumentPackage.objects.latest("id")
            while True:
                package.refresh_from_db()
                if not package.is_running:
                    break
                if busy:
                    before = time.perf_counter()
                    if client.get(deal_page).status_code != 200:
                        raise RuntimeError("the deal's page did not answer")
                    page.append(time.perf_counter() - before)
                threading.Event().wait(0.05 if busy else 0.2)
            if package.status != DocumentPackage.Status.DONE:
                raise RuntimeError(f"the package failed: {package.problem}")
            took = (package.finished_at - package.created_at).total_seconds()
            (beside if busy else alone).append(took)
            pages = package.pages
    return {
        "ask": asks,
        "alone": alone,
        "beside": beside,
        "floor": floor,
        "page": page,
        "quiet": quiet,
        "pages": pages,
    }


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
