"""A proposal's PDF: a 3-page proposal with 30 lines, drawn from the built-in template through
the code the download calls (context, sandboxed template, WeasyPrint), N times.

Beside it, its parts alone: filling the template (the values and Jinja) and WeasyPrint laying
out the same HTML (the floor: the PDF cannot come faster than WeasyPrint draws it).
Usage: `python bench/proposals.py [N]` (default 30). Target: p95 under 1.5 s.
"""

from __future__ import annotations

import io
import sys
import time
from decimal import Decimal

from common import company_signup, percentile, throwaway_database  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from crm_core.commerce.services import price_list_save, prices_set, product_save  # noqa: E402
from crm_core.common.pdf import html_to_pdf  # noqa: E402
from crm_core.parties.services import company_create, contact_create  # noqa: E402
from crm_core.proposals.drafting import LineInput, proposal_create  # noqa: E402
from crm_core.proposals.templating import proposal_html, proposal_pdf  # noqa: E402
from crm_core.segments.services import segment_save  # noqa: E402
from tenants.models import Tenant  # noqa: E402

LINES = 30
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
                for i in range(LINES)
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
                        for i, product in enumerate(products)
                    ],
                },
            )
            html = proposal_html(proposal)
            pages = len(PdfReader(io.BytesIO(proposal_pdf(proposal))).pages)
            whole = timed(lambda: proposal_pdf(proposal), repeats)
            filling = timed(lambda: proposal_html(proposal), repeats)
            drawing = timed(lambda: html_to_pdf(html), repeats)
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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
