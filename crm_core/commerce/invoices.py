"""The invoice of an order as a PDF, drawn by WeasyPrint from an HTML template: the seller's
and the buyer's requisites, the bank account to pay to, the VAT the total includes, and for a
rouble invoice to a Russian account the payment QR code banks' apps read (the ST00012 format of
GOST R 56042-2014)."""

from __future__ import annotations

from decimal import Decimal

import segno
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.commerce.models import Order
from crm_core.common.pdf import html_to_pdf
from crm_core.workspace.models import WorkspaceSettings
from crm_core.workspace.services import own_requisites
from tenants.links import company_name


def vat_included(total: Decimal, rate: Decimal | None) -> Decimal | None:
    """The VAT a total that includes it holds at `rate` percent (None: no VAT)."""
    if rate is None:
        return None
    return (total * rate / (100 + rate)).quantize(Decimal("0.01"))


def _qr_field(value: str) -> str:
    return value.replace("|", " ").strip()


def payment_qr(*, seller: WorkspaceSettings, order: Order, purpose: str) -> str:
    """The payment QR code as inline SVG, or "" when the invoice is not a rouble one to a
    Russian bank account with everything the format requires."""
    required = (seller.legal_name, seller.settlement_account, seller.bank_name, seller.bic)
    if order.currency != "RUB" or not all(required) or not seller.correspondent_account:
        return ""
    fields = {
        "Name": seller.legal_name,
        "PersonalAcc": seller.settlement_account,
        "BankName": seller.bank_name,
        "BIC": seller.bic,
        "CorrespAcc": seller.correspondent_account,
        "PayeeINN": seller.tax_id,
        "KPP": seller.kpp,
        "Sum": str(int(order.total * 100)),
        "Purpose": purpose,
    }
    payload = "ST00012|" + "|".join(
        f"{key}={_qr_field(value)}" for key, value in fields.items() if value
    )
    return segno.make(payload, error="m", encoding="utf-8").svg_inline(scale=2)


def invoice_context(*, order: Order) -> dict:
    seller = own_requisites()
    issued = timezone.localdate(order.placed_at or order.created_at)
    purpose = _("Payment of invoice %(number)s of %(day)s") % {
        "number": order.number,
        "day": issued.strftime("%d.%m.%Y"),
    }
    if seller.vat_rate is None:
        purpose += ", " + _("no VAT")
    else:
        purpose += ", " + _("VAT %(rate)s%% included: %(amount)s") % {
            "rate": f"{seller.vat_rate.normalize():f}",
            "amount": vat_included(order.total, seller.vat_rate),
        }
    return {
        "order": order,
        "lines": order.lines.select_related("product"),
        "seller_name": seller.legal_name or company_name(),
        "seller": seller,
        "contact": order.contact,
        "company": order.company,
        "issued": issued,
        "vat": vat_included(order.total, seller.vat_rate),
        "purpose": purpose,
        "payment_qr": payment_qr(seller=seller, order=order, purpose=purpose),
    }


def invoice_pdf(*, order: Order) -> bytes:
    html = render_to_string("crm_core/commerce/invoice.html", invoice_context(order=order))
    return html_to_pdf(html)


def invoice_response(*, order: Order) -> HttpResponse:
    """The invoice as a download, for whoever the caller has already let see the order."""
    response = HttpResponse(invoice_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="invoice-{order.number}.pdf"'
    return response
