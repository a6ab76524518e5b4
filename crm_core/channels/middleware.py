"""Phone systems' call events answered ahead of the page middleware."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from crm_core.channels.views.telephony import call_events, call_events_twilio
from tenants.hosts import company_of

HOOKS = {"/hooks/calls/": call_events, "/hooks/calls/twilio/": call_events_twilio}


class CallHookMiddleware:
    """Right after the company is known from the host, a call event is verified, stored and
    acknowledged: it needs no session, user, CSRF, messages or lockout, and comes in bursts
    (bench/telephony.py). Everything else goes on through the stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HOOKS.get(request.path)
        if view is not None and request.method == "POST" and company_of(request) is not None:
            return view(request)
        return self.get_response(request)
