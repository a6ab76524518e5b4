"""Telephony (issue 28): a phone system's call events, signed with the company's call secret,
find the client by their number in any format (or make a lead), pop a notification on the
colleague's screen while the phone rings, and log the ended call on the timeline with its
direction, duration, recording and colleague; a missed call makes the call-back task by the
administrators' rule; Twilio Voice's status callbacks and click-to-call through its Calls API;
the settings page; bad input refused with a reason and nothing stored; two companies apart.

Twilio cannot be reached here: its Calls API is a local HTTP server answering as
https://api.twilio.com/2010-04-01/Accounts/{sid}/Calls.json does (form fields To, From, Twiml,
StatusCallback and StatusCallbackEvent, basic authentication, a JSON answer with the call's
sid), and its status callbacks are posted in their documented format (CallSid, CallStatus,
Direction, From, To, CallDuration, RecordingUrl) signed as it signs them; the code path is
production's (TWILIO_API_URL points at the local server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from crm_core.activities.models import Interaction, Task
from crm_core.channels.models import Call, CallEventRecord, PhoneLine, Telephony
from crm_core.channels.telephony import (
    CallEvent,
    call_event_receive,
    call_events_retry,
    telephony_get,
    webhook_signature,
)
from crm_core.common.sealed import unseal
from crm_core.notifications.models import Notification
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db

TOKEN = "twilio-voice-token-for-tests"


def post_event(client, secret: str, event: dict | bytes, at: int | None = None, signature=None):
    """The phone system's request; the worker's job it queues runs when the request commits."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    header = signature or webhook_signature(secret, body, at or int(time.time()))
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/hooks/calls/",
            body,
            content_type="application/json",
            HTTP_X_TENANTLY_SIGNATURE=header,
        )


@pytest.fixture
def phones(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rosa Rep")
    with tenant_a.active():
        anna = contact_create(
            actor=rep, data={"first_name": "Anna", "last_name": "Lee", "phones": ["+79161234567"]}
        )
        PhoneLine.objects.create(user=rep, line="101")
        secret = telephony_get().secret
    return {"owner": owner, "rep": rep, "anna": anna, "secret": secret}


def test_a_call_pops_on_the_colleagues_screen_and_ends_on_the_clients_timeline(tenant_a, phones):
    hook = tenant_a.client()
    call = {
        "call_id": "pbx-1",
        "direction": "inbound",
        "number": "8 (916) 123-45-67",
        "line": "101",
    }
    ringing = post_event(hook, phones["secret"], {**call, "event": "ringing"})
    assert ringing.status_code == 202, ringing.content
    with tenant_a.active():
        received = CallEventRecord.objects.get()
        assert ringing.json() == {"received": received.pk}
        assert received.processed_at is not None  # applied by the worker's job
        ringing_call = Call.objects.get(external_id="pbx-1")
        assert (ringing_call.contact, ringing_call.state) == (phones["anna"], "ringing")
    with tenant_a.active():
        told = Notification.objects.get(recipient=phones["rep"])
        assert told.text == "Anna Lee is calling: +79161234567"
        assert told.url == f"/contacts/{phones['anna'].pk}/"
    assert post_event(hook, phones["secret"], {**call, "event": "answered"}).status_code == 202
    ended = {
        **call,
        "event": "ended",
        "duration_seconds": 125,
        "recording_url": "https://pbx.example/rec/1.mp3",
    }
    assert post_event(hook, phones["secret"], ended).status_code == 202
    # the phone system repeats itself: nothing twice
    assert post_event(hook, phones["secret"], ended).status_code == 202
    assert post_event(hook, phones["secret"], {**call, "event": "ringing"}).status_code == 202
    with tenant_a.active():
        logged = Interaction.objects.get(contact=phones["anna"])
        assert (logged.channel, logged.direction, logged.duration_minutes) == ("call", "inbound", 3)
        assert logged.subject_shown == "Inbound call, 2:05"
        assert logged.notes == "https://pbx.example/rec/1.mp3"
        assert list(logged.staff.all()) == [phones["rep"]]
        assert logged.created_by == phones["rep"]
        assert Notification.objects.filter(kind="call_ringing").count() == 1
        stored = Call.objects.get()
        assert (stored.state, stored.duration_seconds, stored.interaction_id) == (
            "ended",
            125,
            logged.pk,
        )
    card = tenant_a.client(phones["rep"]).get(f"/contacts/{phones['anna'].pk}/").content.decode()
    assert "Inbound call, 2:05" in card
    # the card says which channels the client used
    assert 'aria-hidden="true"></i> Call · 1</span>' in card.split('data-testid="channels-used"')[1]
    assert '<a href="https://pbx.example/rec/1.mp3" rel="nofollow">' in card
    calls = tenant_a.client(phones["rep"]).get("/calls/").content.decode()
    assert "https://pbx.example/rec/1.mp3" in calls
    assert "2:05" in calls


def test_a_missed_call_from_a_new_number_makes_a_lead_and_an_urgent_call_back_task(
    tenant_a, phones
):
    admin = tenant_a.client(phones["owner"])
    rule = {"call-when": "never", "call-due_in_hours": "4", "call-priority": "1"}
    too_late = admin.post("/settings/crm/call-rule/", {**rule, "call-missed_call_minutes": "5000"})
    assert "From 0 (no separate task) to 1440 minutes." in too_late.content.decode()
    saved = admin.post("/settings/crm/call-rule/", {**rule, "call-missed_call_minutes": "15"})
    assert saved.status_code == 302
    api = admin.get("/api/v1/call-task-rule/").json()
    assert (api["when"], api["missed_call_minutes"]) == ("never", 15)
    hook = tenant_a.client()
    call = {"call_id": "pbx-2", "direction": "inbound", "number": "+7 925 000-11-22", "line": "7"}
    assert post_event(hook, phones["secret"], {**call, "event": "ringing"}).status_code == 202
    assert post_event(hook, phones["secret"], {**call, "event": "missed"}).status_code == 202
    with tenant_a.active():
        lead = Contact.objects.get(phones__contains=["+79250001122"])
        assert (lead.first_name, lead.owner) == ("Caller", phones["owner"])
        assert Call.objects.get().lead_created
        logged = Interaction.objects.get(contact=lead)
        assert (logged.subject_shown, logged.duration_minutes) == ("Missed call", None)
        task = Task.objects.get(contact=lead)
        assert task.title == "Call back Caller +79250001122: a missed call"
        assert task.assignee == phones["owner"]
        assert task.priority == Task.Priority.HIGH
        due_in = task.due_at - timezone.now()
        assert timedelta(minutes=14) < due_in <= timedelta(minutes=15)
        # the rule's general part still decides for answered calls: never
        assert Task.objects.count() == 1
    # the lead's owner was told of the task (the call rang an unknown line: the owner's bell)
    with tenant_a.active():
        kinds = set(
            Notification.objects.filter(recipient=phones["owner"]).values_list("kind", flat=True)
        )
    assert kinds == {"call_ringing", "task_assigned"}


def test_a_bad_event_is_refused_with_its_reason_and_nothing_is_stored(tenant_a, phones):
    hook = tenant_a.client()
    good = {
        "call_id": "pbx-3",
        "event": "ringing",
        "direction": "inbound",
        "number": "+79161234567",
    }
    assert post_event(hook, phones["secret"], good, signature="t=1,v1=forged").status_code == 403
    assert post_event(hook, "someone-elses-secret", good).status_code == 403
    stale = int(time.time()) - 3600
    assert post_event(hook, phones["secret"], good, at=stale).status_code == 403
    not_json = post_event(hook, phones["secret"], b"{not json")
    assert (not_json.status_code, not_json.json()) == (400, {"detail": "The body is not JSON."})
    unknown = post_event(hook, phones["secret"], {**good, "colour": "red", "event": "rang"})
    assert unknown.status_code == 400
    assert unknown.json()["colour"] == ["Unknown field."]
    wrong = post_event(hook, phones["secret"], {**good, "event": "rang", "duration_seconds": -1})
    assert set(wrong.json()) == {"event", "duration_seconds"}
    assert hook.get("/hooks/calls/").status_code == 405
    with tenant_a.active():
        assert not Call.objects.exists()
        assert not Interaction.objects.exists()


def test_a_company_hears_only_its_own_phone_system(tenant_a, tenant_b, phones):
    with tenant_b.active():
        b_secret = telephony_get().secret
    event = {
        "call_id": "same-id",
        "event": "ringing",
        "direction": "inbound",
        "number": "+79161234567",
    }
    # signed for A, sent to B's address: refused; each company's own events stay its own
    assert post_event(tenant_b.client(), phones["secret"], event).status_code == 403
    assert post_event(tenant_b.client(), b_secret, event).status_code == 202
    assert post_event(tenant_a.client(), phones["secret"], event).status_code == 202
    with tenant_a.active():
        assert Call.objects.get().contact == phones["anna"]
    with tenant_b.active():
        lead = Call.objects.get().contact
        assert lead.first_name == "Caller"  # B has no Anna: its own lead
        assert not Notification.objects.filter(kind="call_ringing", params__caller="Anna Lee")
    unknown_company = post_event(Client(HTTP_HOST="nobody.localhost"), phones["secret"], event)
    assert unknown_company.status_code == 404


class TwilioCalls(BaseHTTPRequestHandler):
    """Twilio's Calls resource: each call placed is kept and answered with its sid."""

    received: list[tuple[str, dict[str, list[str]], str]] = []

    def do_POST(self):  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.received.append((self.path, form, self.headers["Authorization"]))
        sid = f"CA{len(self.received):032d}"
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"sid": sid, "status": "queued"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio():
    server = ThreadingHTTPServer(("127.0.0.1", 0), TwilioCalls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    TwilioCalls.received = []
    with override_settings(TWILIO_API_URL=f"http://127.0.0.1:{server.server_port}"):
        yield TwilioCalls
    server.shutdown()


def twilio_signed(url: str, fields: dict[str, str]) -> str:
    payload = url + "".join(f"{name}{fields[name]}" for name in sorted(fields))
    return base64.b64encode(
        hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()


def twilio_callback(client, fields: dict[str, str], signature: str | None = None):
    url = "http://alpha.localhost:8000/hooks/calls/twilio/"
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/hooks/calls/twilio/",
            fields,
            HTTP_X_TWILIO_SIGNATURE=(
                signature if signature is not None else twilio_signed(url, fields)
            ),
        )


@override_settings(BASE_URL_PORT="8000")
def test_twilio_is_set_up_on_its_page_and_its_calls_come_in_and_go_out(tenant_a, phones, twilio):
    owner_page = tenant_a.client(phones["owner"])
    assert tenant_a.client(phones["rep"]).get("/settings/telephony/").status_code == 403
    refused = owner_page.post("/settings/telephony/", {"provider": "twilio", "number": "12"})
    page = refused.content.decode()
    assert "“12” is not a phone number." in page
    assert "Twilio needs the account SID." in page
    assert "Twilio needs the account&#x27;s auth token." in page
    saved = owner_page.post(
        "/settings/telephony/",
        {"provider": "twilio", "number": "+7 495 111-22-33", "account": "AC9", "token": TOKEN},
    )
    assert saved.status_code == 302
    with tenant_a.active():
        telephony = Telephony.objects.get()
        assert TOKEN not in telephony.token_sealed  # stored encrypted
        assert unseal(telephony.token_sealed) == TOKEN
        assert telephony.number == "+74951112233"
    # a blank token keeps the stored one
    owner_page.post(
        "/settings/telephony/", {"provider": "twilio", "number": "+74951112233", "account": "AC9"}
    )
    with tenant_a.active():
        assert unseal(Telephony.objects.get().token_sealed) == TOKEN
    settings_page = owner_page.get("/settings/telephony/").content.decode()
    assert "http://alpha.localhost:8000/hooks/calls/twilio/" in settings_page
    assert TOKEN not in settings_page

    # Twilio's status callbacks, signed with the company's token
    hook = tenant_a.client()
    inbound = {"CallSid": "CA-in-1", "Direction": "inbound", "From": "+79161234567", "To": "101"}
    assert twilio_callback(hook, {**inbound, "CallStatus": "ringing"}, "forged").status_code == 403
    assert twilio_callback(hook, {**inbound, "CallStatus": "ringing"}).status_code == 204
    assert twilio_callback(hook, {**inbound, "CallStatus": "in-progress"}).status_code == 204
    done = {**inbound, "CallStatus": "completed", "CallDuration": "61"}
    assert twilio_callback(hook, done).status_code == 204
    recording = {
        **inbound,
        "RecordingUrl": "https://api.twilio.com/rec/RE1",
        "RecordingStatus": "completed",
    }
    assert twilio_callback(hook, recording).status_code == 204
    with tenant_a.active():
        call = Call.objects.get(external_id="CA-in-1")
        assert (call.state, call.duration_seconds, call.staff) == ("ended", 61, phones["rep"])
        assert call.interaction.subject_shown == "Inbound call, 1:01"
        assert call.interaction.notes == "https://api.twilio.com/rec/RE1"  # came after the end

    # click-to-call: the rep's own phone rings first, then the client is dialled
    rep_page = tenant_a.client(phones["rep"])
    card = rep_page.get(f"/contacts/{phones['anna'].pk}/").content.decode()
    assert 'data-testid="dial"' in card
    no_line = rep_page.post(f"/contacts/{phones['anna'].pk}/dial/", {"number": "+79161234567"})
    assert no_line.status_code == 302
    assert twilio.received == []  # 101 is an extension, not a phone Twilio can ring
    with tenant_a.active():
        PhoneLine.objects.filter(line="101").update(line="+79990001122")
    not_theirs = rep_page.post(f"/contacts/{phones['anna'].pk}/dial/", {"number": "+79990009999"})
    assert not_theirs.status_code == 302
    assert twilio.received == []
    rep_page.post(f"/contacts/{phones['anna'].pk}/dial/", {"number": "+79161234567"})
    ((path, form, auth),) = twilio.received
    assert path == "/2010-04-01/Accounts/AC9/Calls.json"
    assert auth == "Basic " + base64.b64encode(f"AC9:{TOKEN}".encode()).decode()
    assert (form["To"], form["From"]) == (["+79990001122"], ["+74951112233"])
    assert form["Twiml"] == [
        '<Response><Dial callerId="+74951112233"><Number>+79161234567</Number></Dial></Response>'
    ]
    assert form["StatusCallback"] == ["http://alpha.localhost:8000/hooks/calls/twilio/"]
    assert form["StatusCallbackEvent"] == ["ringing", "answered", "completed"]
    with tenant_a.active():
        placed = Call.objects.get(external_id="CA" + "1".zfill(32))
        assert (placed.direction, placed.state, placed.contact, placed.staff) == (
            "outbound",
            "dialing",
            phones["anna"],
            phones["rep"],
        )
    # its callbacks name the rep's phone as "To": the call keeps its client
    outbound = {
        "CallSid": placed.external_id,
        "Direction": "outbound-api",
        "From": "+74951112233",
        "To": "+79990001122",
    }
    twilio_callback(hook, {**outbound, "CallStatus": "completed", "CallDuration": "30"})
    with tenant_a.active():
        placed.refresh_from_db()
        assert placed.interaction.subject_shown == "Outbound call, 0:30"
        assert placed.interaction.contact == phones["anna"]
        assert not Contact.objects.filter(first_name="Caller").exists()


def test_lines_and_the_secret_are_kept_on_the_settings_page(tenant_a, phones):
    page = tenant_a.client(phones["owner"])
    refused = page.post("/settings/telephony/lines/", {"user": phones["rep"].pk, "line": "101"})
    assert "This line is someone&#x27;s already." in refused.content.decode()
    page.post("/settings/telephony/lines/", {"user": phones["owner"].pk, "line": "8 916 555-44-33"})
    with tenant_a.active():
        line = PhoneLine.objects.get(user=phones["owner"])
        assert line.line == "+79165554433"
    page.post(f"/settings/telephony/lines/{line.pk}/remove/")
    with tenant_a.active():
        assert not PhoneLine.objects.filter(user=phones["owner"]).exists()
    page.post("/settings/telephony/secret/")
    with tenant_a.active():
        renewed = telephony_get().secret
    assert renewed != phones["secret"]
    event = {"call_id": "x", "event": "ringing", "direction": "inbound", "number": "+79161234567"}
    assert post_event(tenant_a.client(), phones["secret"], event).status_code == 403
    assert post_event(tenant_a.client(), renewed, event).status_code == 202
    assert tenant_a.client(phones["rep"]).post("/settings/telephony/secret/").status_code == 403


def test_an_event_whose_job_was_lost_is_applied_by_the_minutes_sweep(tenant_a, phones):
    with tenant_a.active():
        # received, but its job never ran (the broker lost it): nothing applied yet
        record = call_event_receive(
            CallEvent(
                provider="webhook",
                call_id="lost-1",
                kind="missed",
                direction="inbound",
                number="+79161234567",
            )
        )
        assert call_events_retry() == 0  # not a minute old yet
        CallEventRecord.objects.filter(pk=record.pk).update(
            received_at=timezone.now() - timedelta(minutes=2)
        )
        assert call_events_retry() == 1
        assert Call.objects.get(external_id="lost-1").state == "missed"
        assert call_events_retry() == 0  # applied once
