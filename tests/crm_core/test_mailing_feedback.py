"""An email provider's reports about a mailing's messages, through django-anymail: sending by
the provider's HTTP API, its tracking webhook verified (a bad signature is refused), each event
applied in the company and to the recipient its metadata names (delivered, bounced, spam,
unsubscribed), suppression and the contact's timeline, and a mailing that pauses itself above
5 % bounces or 0.1 % complaints.

Mailgun cannot be reached here: its webhook is exercised with events in its documented JSON
format (https://documentation.mailgun.com/docs/mailgun/user-manual/events/webhooks), signed as
Mailgun signs them (HMAC-SHA256 of timestamp and token with the webhook signing key), and its
sending API is a local HTTP server answering as https://api.mailgun.net/v3/<domain>/messages
does; the code path (anymail's backend and webhook view, our receiver) is production's."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from email.parser import BytesParser
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test import Client, override_settings

from crm_core.activities.models import Interaction
from crm_core.marketing.mailings import mailing_save, mailing_start
from crm_core.marketing.models import CampaignMember, Mailing, MailingRecipient, Suppression
from crm_core.parties.models import Contact
from tests.crm_core.test_mailings import BODY, a_campaign

pytestmark = pytest.mark.django_db

KEY = "mailgun-signing-key-for-tests"
MAILGUN = {"EMAIL_PROVIDER": "mailgun", "ANYMAIL": {"MAILGUN_WEBHOOK_SIGNING_KEY": KEY}}


def sent_mailing(tenant, people, django_capture_on_commit_callbacks) -> Mailing:
    owner = tenant.owner()
    with tenant.active():
        campaign = a_campaign(owner, people)
        mailing = mailing_save(
            actor=owner,
            campaign=campaign,
            mailing=None,
            data={"subject": "Racks", "body": BODY, "language": "en"},
        )
        with django_capture_on_commit_callbacks(execute=True):
            mailing_start(actor=owner, mailing=mailing)
        mailing.refresh_from_db()
        assert mailing.status == Mailing.Status.SENT
    return mailing


def mailgun_event(event: str, recipient: str, metadata: dict, *, key: str = KEY, **extra) -> dict:
    token = hashlib.sha256(f"{event}{recipient}{time.time_ns()}".encode()).hexdigest()
    timestamp = str(int(time.time()))
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature.hexdigest()},
        "event-data": {
            "event": event,
            "id": token[:22],
            "timestamp": time.time(),
            "recipient": recipient,
            "message": {"headers": {"message-id": "20261207.1@mg.tenantly.test"}},
            "user-variables": metadata,
            **extra,
        },
    }


def post(event: dict, host: str = "localhost"):
    client = Client(HTTP_HOST=host)
    return client.post(
        "/mail/mailgun/tracking/", json.dumps(event), content_type="application/json"
    )


def recipient_of(tenant, email: str) -> MailingRecipient:
    with tenant.active():
        return MailingRecipient.objects.select_related("contact").get(email=email)


@override_settings(**MAILGUN)
def test_a_bounce_and_a_complaint_suppress_the_address_and_land_on_the_timeline(
    tenant_a, django_capture_on_commit_callbacks
):
    sent_mailing(
        tenant_a, (("Anna", True, True), ("Boris", True, True)), django_capture_on_commit_callbacks
    )
    anna, boris = (
        recipient_of(tenant_a, "anna@buyer.test"),
        recipient_of(tenant_a, "boris@buyer.test"),
    )
    meta = {"tenant": "alpha"}

    delivered = post(mailgun_event("delivered", anna.email, {**meta, "recipient": str(anna.pk)}))
    assert delivered.status_code == 200
    bounced = post(
        mailgun_event(
            "failed",
            boris.email,
            {**meta, "recipient": str(boris.pk)},
            severity="permanent",
            reason="bounce",
            **{"delivery-status": {"code": 550, "message": "5.1.1 No such user"}},
        )
    )
    assert bounced.status_code == 200
    # the provider sends an event again: it counts once
    post(
        mailgun_event(
            "failed", boris.email, {**meta, "recipient": str(boris.pk)}, severity="permanent"
        )
    )
    complained = post(mailgun_event("complained", anna.email, {**meta, "recipient": str(anna.pk)}))
    assert complained.status_code == 200

    with tenant_a.active():
        anna.refresh_from_db()
        boris.refresh_from_db()
        assert anna.delivered_at
        assert anna.complained_at
        assert not anna.bounced_at
        assert boris.bounced_at
        assert not boris.delivered_at
        assert dict(Suppression.objects.values_list("email", "reason")) == {
            "anna@buyer.test": "complained",
            "boris@buyer.test": "bounced",
        }
        assert not Contact.objects.get(pk=anna.contact_id).consent_email  # spam: no more consent
        assert Contact.objects.get(pk=boris.contact_id).consent_email  # a bounce: the address
        said = {
            (i.contact_id, str(i.subject))
            for i in Interaction.objects.filter(channel="mailing", direction="inbound")
        }
        assert said == {
            (boris.contact_id, "The email bounced (mailing “Racks”)"),
            (anna.contact_id, "Marked the email as spam (mailing “Racks”)"),
        }
        assert CampaignMember.objects.get(contact_id=anna.contact_id).status == "delivered"
    page = tenant_a.client(tenant_a.owner()).get(f"/marketing/mailings/{anna.mailing_id}/")
    html = page.content.decode()
    for state, count in (("delivered", 1), ("bounced", 1), ("complained", 1)):
        assert f'data-state="{state}"><th scope="row" class="fw-normal">' in html
        assert (
            html.split(f'data-state="{state}">')[1]
            .split("</tr>")[0]
            .endswith(f'<td class="text-end">{count}</td>')
        )


@override_settings(**MAILGUN)
def test_a_webhook_with_a_bad_signature_or_for_another_provider_is_refused(
    tenant_a, django_capture_on_commit_callbacks
):
    sent_mailing(tenant_a, (("Anna", True, True),), django_capture_on_commit_callbacks)
    anna = recipient_of(tenant_a, "anna@buyer.test")
    forged = mailgun_event(
        "failed", anna.email, {"tenant": "alpha", "recipient": str(anna.pk)}, key="guessed"
    )
    assert post(forged).status_code == 400
    assert (
        Client(HTTP_HOST="localhost")
        .post("/mail/postmark/tracking/", "{}", content_type="application/json")
        .status_code
        == 404
    )
    with tenant_a.active():
        assert not Suppression.objects.exists()
        assert MailingRecipient.objects.get(pk=anna.pk).bounced_at is None


@override_settings(**MAILGUN)
def test_an_event_touches_only_the_company_and_the_address_it_names(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    sent_mailing(tenant_a, (("Anna", True, True),), django_capture_on_commit_callbacks)
    sent_mailing(tenant_b, (("Anna", True, True),), django_capture_on_commit_callbacks)
    a, b = recipient_of(tenant_a, "anna@buyer.test"), recipient_of(tenant_b, "anna@buyer.test")
    # Beta's event, however the ids fall, reaches Beta's recipient alone
    assert (
        post(
            mailgun_event("complained", b.email, {"tenant": "beta", "recipient": str(b.pk)})
        ).status_code
        == 200
    )
    # an event naming Alpha's recipient with another address, or no company, changes nothing
    post(
        mailgun_event(
            "failed",
            "someone@else.test",
            {"tenant": "alpha", "recipient": str(a.pk)},
            severity="permanent",
        )
    )
    post(mailgun_event("failed", a.email, {"recipient": str(a.pk)}, severity="permanent"))
    post(
        mailgun_event(
            "failed", a.email, {"tenant": "public", "recipient": str(a.pk)}, severity="permanent"
        )
    )
    with tenant_b.active():
        assert MailingRecipient.objects.get(pk=b.pk).complained_at is not None
        assert Suppression.objects.filter(email="anna@buyer.test").exists()
    with tenant_a.active():
        row = MailingRecipient.objects.get(pk=a.pk)
        assert (row.complained_at, row.bounced_at) == (None, None)
        assert not Suppression.objects.exists()
        assert not Interaction.objects.filter(direction="inbound").exists()
    assert connection.schema_name == "public"


@override_settings(**MAILGUN, MAILING_PAUSE_MIN_SENT=10)
def test_a_mailing_pauses_itself_above_five_percent_bounces_or_a_tenth_of_a_percent_complaints(
    tenant_a, django_capture_on_commit_callbacks
):
    people = tuple((f"Person{n}", True, True) for n in range(20))
    mailing = sent_mailing(tenant_a, people, django_capture_on_commit_callbacks)
    with tenant_a.active():
        # sent, then (as if it were still going) the provider's reports come in
        Mailing.objects.filter(pk=mailing.pk).update(status=Mailing.Status.SENDING)
        recipients = list(MailingRecipient.objects.filter(mailing=mailing).order_by("id"))
    meta = {"tenant": "alpha"}

    def bounce(recipient: MailingRecipient) -> None:
        post(
            mailgun_event(
                "failed",
                recipient.email,
                {**meta, "recipient": str(recipient.pk)},
                severity="permanent",
            )
        )

    bounce(recipients[0])
    with tenant_a.active():
        assert Mailing.objects.get(pk=mailing.pk).status == "sending"  # 1 of 20: 5 %, not above
    bounce(recipients[1])
    with tenant_a.active():
        paused = Mailing.objects.get(pk=mailing.pk)
        assert (paused.status, paused.pause_reason) == ("paused", "bounces")
    page = tenant_a.client(tenant_a.owner()).get(f"/marketing/mailings/{mailing.pk}/")
    assert (
        "The mailing paused itself: more than 5 percent of the messages bounced."
        in page.content.decode()
    )
    api = tenant_a.client(tenant_a.owner()).get(f"/api/v1/mailings/{mailing.pk}/").json()
    assert (api["status"], api["pause_reason"], api["recipients"]["bounced"]) == (
        "paused",
        "bounces",
        2,
    )

    # another mailing: one complaint in 20 is far above 0.1 %
    other = sent_mailing(
        tenant_a,
        tuple((f"Other{n}", True, True) for n in range(20)),
        django_capture_on_commit_callbacks,
    )
    with tenant_a.active():
        Mailing.objects.filter(pk=other.pk).update(status=Mailing.Status.SENDING)
        first = MailingRecipient.objects.filter(mailing=other).order_by("id").first()
    post(mailgun_event("complained", first.email, {**meta, "recipient": str(first.pk)}))
    with tenant_a.active():
        paused = Mailing.objects.get(pk=other.pk)
        assert (paused.status, paused.pause_reason) == ("paused", "complaints")
        assert Mailing.objects.get(pk=mailing.pk).pause_reason == "bounces"


class MailgunApi(BaseHTTPRequestHandler):
    """Answers as Mailgun's sending API does (POST /v3/<domain>/messages, a form,
    HTTP basic auth "api:<key>") and keeps what it was sent."""

    received: list[tuple[str, dict[str, list[str]], str]] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        form: dict[str, list[str]] = {}
        if self.headers["Content-Type"].startswith("multipart/form-data"):
            envelope = f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
            for part in BytesParser(policy=default_policy).parsebytes(envelope).iter_parts():
                name = part.get_param("name", header="content-disposition")
                form.setdefault(name, []).append(part.get_content())
        else:
            form = parse_qs(body.decode(), keep_blank_values=True)
        self.received.append((self.path, form, self.headers["Authorization"]))
        answer = json.dumps(
            {"id": "<20261207.1@mg.tenantly.test>", "message": "Queued. Thank you."}
        )
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


def test_a_mailing_goes_out_through_the_providers_api_with_the_metadata_its_events_bring_back(
    tenant_a, django_capture_on_commit_callbacks
):
    server = ThreadingHTTPServer(("127.0.0.1", 0), MailgunApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    MailgunApi.received = []
    try:
        with override_settings(
            EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend",
            DEFAULT_FROM_EMAIL="Tenantly <news@mg.tenantly.test>",
            ANYMAIL={
                "MAILGUN_API_KEY": "key-123",
                "MAILGUN_API_URL": f"http://127.0.0.1:{server.server_port}/v3",
            },
        ):
            sent_mailing(tenant_a, (("Anna", True, True),), django_capture_on_commit_callbacks)
    finally:
        server.shutdown()
    anna = recipient_of(tenant_a, "anna@buyer.test")
    [(path, form, auth)] = MailgunApi.received
    assert path == "/v3/mg.tenantly.test/messages"
    assert auth.startswith("Basic ")
    assert form["to"] == ["anna@buyer.test"]
    assert form["subject"] == ["Racks"]
    assert form["v:tenant"] == ["alpha"]
    assert form["v:recipient"] == [str(anna.pk)]
    assert form["o:tracking-opens"] == ["no"]
    assert form["o:tracking-clicks"] == ["no"]
    assert form["h:List-Unsubscribe-Post"] == ["List-Unsubscribe=One-Click"]
    assert form["h:List-Unsubscribe"][0].startswith("<http://alpha.localhost")
    assert "Hello Anna," in form["text"][0]
    with tenant_a.active():
        assert MailingRecipient.objects.get(pk=anna.pk).status == "sent"
