"""Matches for the search box of a big select (contacts, companies): the first 20 the user may
see, found the way the lists find them (name, email, phone, tax id)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm_core.views.parties import Kind

LIMIT = 20


def lookup(request: HttpRequest, kind: Kind) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    queryset = kind.visible(user=request.user).filter(archived_at=None)
    if text:
        queryset = kind.filterset({"q": text}, queryset=queryset).qs
    records = list(queryset.order_by(kind.ordering.default, "pk")[:LIMIT])
    return render(request, "crm_core/_lookup_options.html", {"records": records, "kind": kind})
