"""The invoice of an order as a PDF, drawn by WeasyPrint from an HTML template."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML
from weasyprint.urls import URLFetchingError

from crm_core.commerce.models import Order
from tenants.typing import connection


def _no_fetching(url: str, *args, **kwargs):
    """An invoice loads nothing from anywhere: its template is self-contained."""
    raise URLFetchingError(f"invoices load no resources: {url}")


def invoice_pdf(*, order: Order) -> bytes:
    html = render_to_string(
        "crm_core/commerce/invoice.html",
        {
            "order": order,
            "lines": order.lines.select_related("product"),
            "seller": connection.tenant.name,
            "contact": order.contact,
            "company": order.company,
            "issued": timezone.localdate(order.placed_at or order.created_at),
        },
    )
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf()


def invoice_response(*, order: Order) -> HttpResponse:
    """The invoice as a download, for whoever the caller has already let see the order."""
    response = HttpResponse(invoice_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{order.number}.pdf"'
    return response
