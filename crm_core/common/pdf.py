"""PDFs from HTML, drawn by WeasyPrint (invoices, proposals and their documents)."""

from weasyprint import HTML
from weasyprint.urls import URLFetchingError


def _no_fetching(url: str, *args, **kwargs):
    """A document loads nothing from anywhere: what it shows is in its HTML."""
    raise URLFetchingError(f"documents load no resources: {url}")


def html_to_pdf(html: str) -> bytes:
    return html_to_pdf_pages(html)[0]


def html_to_pdf_pages(html: str) -> tuple[bytes, int]:
    """The PDF and how many pages it has."""
    drawn = HTML(string=html, url_fetcher=_no_fetching).render()
    return drawn.write_pdf(), len(drawn.pages)
