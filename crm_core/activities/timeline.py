"""The 360° timeline as a page fragment, for contacts and companies alike."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from crm_core.activities.models import Channel
from crm_core.activities.selectors import OTHER_KIND_CHOICES, key_figures, record_timeline
from tenants.typing import StaffRequest


def timeline_context(request: StaffRequest, record, url_name: str) -> dict:
    """What `_timeline.html` needs: one page (filtered by `?channel=`, older than `?before=`),
    the filter buttons with their counts, and the URL the buttons and "Older" ask."""
    before = request.GET.get("before")
    channel = request.GET.get("channel") or None
    return {
        "timeline": record_timeline(
            record=record,
            user=request.user,
            channel=channel,
            before=parse_datetime(before) if before else None,
        ),
        "timeline_url": reverse(url_name, args=[record.pk]),
        "channel": channel,
        "channels": Channel.choices,
        "other_kinds": OTHER_KIND_CHOICES,
        "figures": key_figures(record=record, user=request.user),
    }


def timeline_fragment(request: StaffRequest, record, url_name: str) -> HttpResponse:
    """The filtered timeline, or just its older entries when `?before=` asks for more."""
    template = (
        "crm_core/activities/_timeline_entries.html"
        if request.GET.get("before")
        else "crm_core/activities/_timeline.html"
    )
    return render(request, template, timeline_context(request, record, url_name))
