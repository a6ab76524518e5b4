"""Channels in the browser (issue 28): the owner connects the phone system on its page and
gives themself a line; a client's call pops on their screen while it rings (a live
notification with the card's link), and when nobody answers it the call-back task is waiting
in their tasks and the missed call is on the client's timeline.

The phone system is played by the test: it posts the events a PBX would, in Tenantly's
documented webhook format, signed with the secret the settings page shows."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import Page, expect

from crm_core.channels.telephony import webhook_signature
from crm_core.marketing.models import Campaign
from crm_core.parties.models import Contact
from tenants.identity.models import User
from tests.e2e.conftest import csp_violations
from tests.e2e.test_analytics_flow import in_company
from tests.e2e.test_foundation_flows import sign_up


def post_call_event(server, subdomain: str, secret: str, event: dict) -> dict:
    """The PBX's request: to the company's address (its Host), signed with its secret."""
    body = json.dumps(event).encode()
    request = urllib.request.Request(  # noqa: S310  (a local server)
        f"http://127.0.0.1:{server['port']}/hooks/calls/",
        data=body,
        headers={
            "Host": f"{subdomain}.localhost:{server['port']}",
            "Content-Type": "application/json",
            "X-Tenantly-Signature": webhook_signature(secret, body, int(time.time())),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def test_a_missed_call_pops_on_screen_and_leaves_a_call_back_task(
    page: Page, site, server, django_db_blocker
):
    blocked = csp_violations(page)
    sign_up(
        page,
        site,
        company="Phone Co",
        subdomain="phone-co",
        owner="Rita Ring",
        email="rita@phone.test",
    )

    def client() -> dict:
        owner = User.objects.get(email="rita@phone.test")
        anna = Contact.objects.create(
            first_name="Anna", last_name="Lee", phones=["+79161234567"], owner=owner
        )
        return {"anna": anna.pk}

    anna = in_company("phone_co", django_db_blocker, client)["anna"]

    # the owner sets up the phone system: a line of their own, and missed calls called back
    page.get_by_test_id("nav-telephony").click()
    lines = page.get_by_test_id("phone-line-form")
    lines.get_by_label("Colleague").select_option(label="Rita Ring")
    lines.get_by_label("Extension or number").fill("101")
    lines.get_by_test_id("phone-line-add").click()
    expect(page.get_by_test_id("phone-lines")).to_contain_text("Rita Ring")
    secret = page.get_by_test_id("call-secret").inner_text().strip()
    page.goto(site("phone-co", "/settings/crm/"))
    rule = page.get_by_test_id("call-rule-form")
    rule.get_by_label("Call back a missed call within, minutes").fill("10")
    rule.get_by_test_id("call-rule-save").click()
    expect(page.get_by_text("The inbound call rule is saved.")).to_be_visible()

    # the phone rings: the caller's name and number pop up, linking to the card
    page.goto(site("phone-co", "/"))
    expect(page.locator("[data-bell].live-connected")).to_have_count(1)
    call = {"call_id": "pbx-77", "direction": "inbound", "number": "8 916 123 45 67", "line": "101"}
    answer = post_call_event(server, "phone-co", secret, {**call, "event": "ringing"})
    assert set(answer) == {"received"}  # acknowledged at once, applied by the worker
    toast = page.get_by_test_id("live-toast").filter(has_text="is calling")
    expect(toast).to_contain_text("Anna Lee is calling: +79161234567")
    post_call_event(server, "phone-co", secret, {**call, "event": "missed"})
    toast.get_by_role("link").click()
    expect(page).to_have_url(site("phone-co", f"/contacts/{anna}/"))
    expect(page.get_by_test_id("timeline")).to_contain_text("Missed call")

    # the call-back task waits in the owner's tasks
    page.goto(site("phone-co", "/tasks/"))
    expect(page.get_by_text("Call back Anna Lee: a missed call")).to_be_visible()
    page.goto(site("phone-co", "/calls/"))
    expect(page.get_by_test_id("call-row")).to_contain_text("Missed")
    assert blocked == []


LANDING = """<!doctype html><html><head><meta charset="utf-8"><title>Racks & Shelves</title></head>
<body><h1>Spring fair offer</h1>{snippet}</body></html>"""


def landing_server(snippet: str) -> ThreadingHTTPServer:
    """The company's own website, on another origin, with the form's snippet pasted in."""

    class Landing(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = LANDING.format(snippet=snippet).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Landing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_form_on_the_companys_site_makes_a_client_credited_to_its_campaign(
    page: Page, browser, site, django_db_blocker
):
    sign_up(
        page,
        site,
        company="Form Co",
        subdomain="form-co",
        owner="Fiona Form",
        email="fiona@form.test",
    )

    def fair() -> dict:
        owner = User.objects.get(email="fiona@form.test")
        Campaign.objects.create(
            name="Spring fair",
            kind="event",
            utm_campaign="spring-fair",
            owner=owner,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 12, 31),
        )

    in_company("form_co", django_db_blocker, fair)

    # the owner builds the form
    page.get_by_test_id("nav-webforms").click()
    page.get_by_test_id("webform-new").click()
    builder = page.get_by_test_id("webform-form")
    builder.get_by_label("Name", exact=True).fill("Fair sign-up")
    builder.get_by_label("Heading on the form").fill("Meet us at the fair")
    builder.get_by_label("Thank-you text").fill("See you at the fair!")
    builder.get_by_label("Fiona Form").check()
    fields = page.get_by_test_id("webform-fields")
    fields.get_by_label("First name", exact=True).check()
    fields.get_by_label("Email", exact=True).check()
    fields.get_by_label("Email is required").check()
    page.get_by_test_id("webform-save").click()
    expect(page.get_by_text("The form is saved.")).to_be_visible()
    snippet = page.get_by_test_id("webform-snippet").input_value()
    form_page = page.url

    # a visitor comes to the company's site by the fair's link and fills the form in
    landing = landing_server(snippet)
    visitor = browser.new_context(viewport={"width": 1000, "height": 800}).new_page()
    visitor.context.set_default_timeout(15_000)
    visitor.goto(f"http://127.0.0.1:{landing.server_port}/offer?utm_campaign=spring-fair")
    form = visitor.frame_locator("iframe")
    expect(form.get_by_text("Meet us at the fair")).to_be_visible()
    form.get_by_label("First name").fill("Gleb")
    form.get_by_label("Email").fill("gleb@visitor.test")
    visitor.wait_for_timeout(1200)  # a person takes a moment (WEBFORM_MIN_SECONDS=1 here)
    form.get_by_test_id("webform-send").click()
    expect(form.get_by_test_id("webform-thanks")).to_have_text("See you at the fair!")
    visitor.context.close()
    landing.shutdown()

    # the owner sees the new client, credited to the fair
    page.goto(form_page)
    row = page.get_by_test_id("webform-submission")
    expect(row).to_contain_text("Gleb")
    expect(row).to_contain_text("Spring fair")
    row.get_by_role("link", name="Gleb").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Filled in the form “Fair sign-up”")
