"""SMS mailings: a text's length in characters and message parts, the form with its preview,
recipients who agreed to SMS and have a phone, sending through the provider, and its signed
delivery reports at the company's own address.

Twilio cannot be reached here: its Messaging API is a local HTTP server answering as
https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json does (a form with To, From, Body
and StatusCallback, basic authentication, a JSON answer with the message's sid, an error's
JSON with its message), and delivery reports are posted in its documented format and signed as
it signs them (X-Twilio-Signature: base64 of HMAC-SHA1 over the address and the sorted
fields); the code path is production's (TWILIO_API_URL points at the local server)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.test import override_settings

from crm_core.marketing.mailings import mailing_save, mailing_start
from crm_core.marketing.models import CampaignMember, Mailing, MailingRecipient
from crm_core.marketing.sms import sms_length
from crm_core.parties.models import Contact
from tests.crm_core.test_mailings import a_campaign

pytestmark = pytest.mark.django_db

TOKEN = "twilio-auth-token-for-tests"


def test_the_length_of_a_text_in_characters_and_message_parts():
    assert sms_length("") == ("GSM-7", 0, 0)
    assert sms_length("Hello Anna") == ("GSM-7", 10, 1)
    assert sms_length("a" * 160).segments == 1
    assert sms_length("a" * 161).segments == 2  # parts of 153
    assert sms_length("a" * 307).segments == 3
    assert sms_length("Price 10€ [net]") == ("GSM-7", 18, 1)  # €, [ and ] count two
    assert sms_length("Привет, Анна") == ("UCS-2", 12, 1)
    assert sms_length("Я" * 70).segments == 1
    assert sms_length("Я" * 71).segments == 2  # parts of 67
    assert sms_length("Hi 🙂") == ("UCS-2", 5, 1)  # the emoji is two UTF-16 units


class TwilioApi(BaseHTTPRequestHandler):
    """Twilio's Messages resource: each message is kept and answered with its sid; a number
    ending in 0000 is refused as Twilio refuses an invalid one."""

    received: list[tuple[str, dict[str, list[str]], str]] = []

    def do_POST(self):  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.received.append((self.path, form, self.headers["Authorization"]))
        if form["To"][0].endswith("0000"):
            status, answer = 400, {"code": 21211, "message": "The 'To' number is not valid."}
        else:
            sid = f"SM{len(self.received):032d}"
            status, answer = 201, {"sid": sid, "status": "queued", "num_segments": "1"}
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def twilio():
    server = ThreadingHTTPServer(("127.0.0.1", 0), TwilioApi)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    TwilioApi.received = []
    with override_settings(
        SMS_PROVIDER="twilio",
        TWILIO_ACCOUNT_SID="AC123",
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_API_URL=f"http://127.0.0.1:{server.server_port}",
    ):
        yield TwilioApi
    server.shutdown()


def signed(url: str, fields: dict[str, str]) -> str:
    payload = url + "".join(f"{name}{fields[name]}" for name in sorted(fields))
    digest = hmac.new(TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def report(client, fields: dict[str, str], signature: str | None = None):
    url = "http://alpha.localhost:8000/portal/sms/status/"
    return client.post(
        "/portal/sms/status/",
        fields,
        HTTP_X_TWILIO_SIGNATURE=signature if signature is not None else signed(url, fields),
    )


def sms_campaign(tenant):
    owner = tenant.owner()
    with tenant.active():
        campaign = a_campaign(owner, (("Anna", True, True), ("Boris", True, True)))
        for name, phone in (("Anna", "+79161234567"), ("Boris", "+79167650000")):
            Contact.objects.filter(first_name=name).update(consent_sms=True, phones=[phone])
        for name, phone in (("Vera", None), ("Gleb", "+79160001111")):
            contact = Contact.objects.create(
                first_name=name,
                owner=owner,
                consent_sms=name == "Vera",
                phones=[phone] if phone else [],
            )
            CampaignMember.objects.create(campaign=campaign, contact=contact)
    return campaign


@override_settings(BASE_URL_PORT="8000")
def test_an_sms_mailing_is_written_previewed_sent_and_reported_back(
    tenant_a, twilio, django_capture_on_commit_callbacks
):
    campaign = sms_campaign(tenant_a)
    owner = tenant_a.owner()
    client = tenant_a.client(owner)
    new = f"/marketing/campaigns/{campaign.pk}/mailings/new/?channel=sms"
    form = {"body": "{{ contact.first_name }}, racks -20% till Friday!", "language": "en"}
    page = client.get(new).content.decode()
    assert 'name="subject"' not in page
    assert 'name="test_share"' not in page
    refused = client.post(new, {**form, "from_name": "Racks-and-Shelves", "save": ""})
    assert "A sender is a number or up to 11 Latin letters and digits." in refused.content.decode()
    refused = client.post(new, {**form, "body": "{{ contact.shoe }}", "save": ""})
    assert "Line 1: “contact.shoe” is not a merge field." in refused.content.decode()
    preview = client.post(new, {**form, "from_name": "Racks", "preview": ""}).content.decode()
    assert 'data-testid="sms-text">Anna, racks -20% till Friday!<' in preview
    assert "29 characters (GSM-7): 1 message" in preview
    saved = client.post(new, {**form, "from_name": "Racks", "save": ""})
    with tenant_a.active():
        mailing = Mailing.objects.get()
    assert saved["Location"] == f"/marketing/mailings/{mailing.pk}/"
    assert (mailing.channel, mailing.subject) == ("sms", "")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/marketing/mailings/{mailing.pk}/start/")
    sent = {form["To"][0]: (path, form, auth) for path, form, auth in twilio.received}
    assert set(sent) == {"+79161234567", "+79167650000"}  # Vera has no phone, Gleb no consent
    path, anna, auth = sent["+79161234567"]
    assert path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert auth == "Basic " + base64.b64encode(f"AC123:{TOKEN}".encode()).decode()
    assert anna["Body"] == ["Anna, racks -20% till Friday!"]
    assert anna["From"] == ["Racks"]
    assert anna["StatusCallback"] == ["http://alpha.localhost:8000/portal/sms/status/"]
    with tenant_a.active():
        rows = {r.phone: r for r in MailingRecipient.objects.filter(mailing=mailing)}
        mailing.refresh_from_db()
    assert mailing.status == "sent"
    assert mailing.left_out == {"no_consent": 1, "no_phone": 1, "suppressed": 0}
    assert rows["+79161234567"].status == "sent"
    assert rows["+79161234567"].provider_id
    assert (rows["+79167650000"].status, rows["+79167650000"].reason) == (
        "failed",
        "The 'To' number is not valid.",
    )

    stranger = tenant_a.client()
    sid = rows["+79161234567"].provider_id
    delivered = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC123"}
    assert report(stranger, delivered, signature="forged").status_code == 403
    with tenant_a.active():
        assert MailingRecipient.objects.get(provider_id=sid).delivered_at is None
    assert report(stranger, delivered).status_code == 204
    with tenant_a.active():
        assert MailingRecipient.objects.get(provider_id=sid).delivered_at is not None
        anna_contact = rows["+79161234567"].contact_id
        assert CampaignMember.objects.get(contact_id=anna_contact).status == "delivered"
    page = client.get(f"/marketing/mailings/{mailing.pk}/").content.decode()
    assert 'data-testid="sms-length"' in page
    assert "Left out: 1 without consent to SMS, 1 without a phone." in page
    assert (
        page.split('data-state="delivered">')[1]
        .split("</tr>")[0]
        .endswith('<td class="text-end">1</td>')
    )
    api = client.get(f"/api/v1/mailings/{mailing.pk}/").json()
    assert (api["channel"], api["recipients"]["delivered"]) == ("sms", 1)


@override_settings(BASE_URL_PORT="8000")
def test_a_delivery_report_counts_only_in_the_company_whose_address_it_came_to(
    tenant_a, tenant_b, twilio, django_capture_on_commit_callbacks
):
    for tenant in (tenant_a, tenant_b):
        campaign = sms_campaign(tenant)
        with tenant.active(), django_capture_on_commit_callbacks(execute=True):
            mailing = mailing_save(
                actor=tenant.owner(),
                campaign=campaign,
                mailing=None,
                data={"channel": "sms", "body": "Hi {{ contact.first_name }}"},
            )
            mailing_start(actor=tenant.owner(), mailing=mailing)
    with tenant_a.active():
        sid = MailingRecipient.objects.get(phone="+79161234567").provider_id
    # Alpha's message reported at Beta's address (signed for it): nothing happens anywhere
    url = "http://beta.localhost:8000/portal/sms/status/"
    failed = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30005"}
    answer = tenant_b.client().post(
        "/portal/sms/status/", failed, HTTP_X_TWILIO_SIGNATURE=signed(url, failed)
    )
    assert answer.status_code == 204
    with tenant_a.active():
        assert MailingRecipient.objects.get(provider_id=sid).bounced_at is None
    with tenant_b.active():
        assert not MailingRecipient.objects.filter(bounced_at__isnull=False).exists()
    # at Alpha's own address it counts: not delivered, saying so
    assert report(tenant_a.client(), failed).status_code == 204
    with tenant_a.active():
        row = MailingRecipient.objects.get(provider_id=sid)
        assert row.bounced_at is not None
        assert row.reason == "The network did not deliver it."


def test_an_sms_mailing_without_a_provider_or_with_an_ab_test_is_refused(tenant_a):
    campaign = sms_campaign(tenant_a)
    owner = tenant_a.owner()
    with tenant_a.active():
        with pytest.raises(Exception, match="An SMS mailing has no A/B test."):
            mailing_save(
                actor=owner,
                campaign=campaign,
                mailing=None,
                data={"channel": "sms", "body": "Hi", "test_share": 20, "subject_b": "B"},
            )
        mailing = mailing_save(
            actor=owner, campaign=campaign, mailing=None, data={"channel": "sms", "body": "Hi"}
        )
        with pytest.raises(Exception, match="No SMS provider is set up"):
            mailing_start(actor=owner, mailing=mailing)
        with pytest.raises(Exception, match="Choose email or SMS"):
            mailing_save(actor=owner, campaign=campaign, mailing=mailing, data={"channel": "email"})
    api = tenant_a.client(owner).post(
        f"/api/v1/campaigns/{campaign.pk}/mailings/",
        {"channel": "fax", "body": "Hi"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "channel" in api.json()
