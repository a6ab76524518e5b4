"""Web forms (issue 28): built on their page from the contact's fields, segment parameters and
consents; embedded on a company's site by a script; each submission finds the client by email
or phone (never a twin) or makes one, lands on the timeline with its answers, credits the
campaign from its UTM parameters (else the form's), goes to an owner by rule or in turn, who is
told; robots are kept out by a honeypot, the time taken and a limit per address, without any
outside service; bad answers are refused field by field with nothing stored; companies apart."""

from __future__ import annotations

import time
from datetime import date
from unittest import mock

import pytest
from django.core import signing
from django.test import Client, override_settings

from crm_core.activities.models import Interaction
from crm_core.channels.models import FormSubmission, WebForm
from crm_core.channels.webforms import SIGNING_SALT
from crm_core.marketing.models import Campaign, CampaignMember
from crm_core.notifications.models import Notification
from crm_core.parties.models import Company, Contact
from crm_core.parties.services import contact_create
from crm_core.segments.models import Segment
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def shown_long_ago(key: str, seconds: int = 30) -> str:
    """The stamp the form's page gave a visitor who opened it `seconds` ago."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - seconds):
        return signing.TimestampSigner(salt=SIGNING_SALT).sign(key)


@pytest.fixture
def built(tenant_a):
    owner = tenant_a.owner()
    marketer = tenant_a.make_user(Role.MARKETER, full_name="Mira Marketer")
    rep1 = tenant_a.make_user(Role.SALES_REP, full_name="Rita One")
    rep2 = tenant_a.make_user(Role.SALES_REP, full_name="Roman Two")
    vip = tenant_a.make_user(Role.SALES_REP, full_name="Vera Key")
    with tenant_a.active():
        segment = Segment.objects.create(
            name="Distributors",
            parameters=[
                {"key": "area", "label": "Warehouse, m²", "type": "number", "required": True},
            ],
        )
        campaign = Campaign.objects.create(
            name="Spring fair",
            kind="event",
            utm_campaign="spring-fair",
            owner=owner,
            starts_on=date(2026, 3, 1),
            ends_on=date(2026, 12, 31),
        )
        other = Campaign.objects.create(
            name="Autumn ads",
            kind="advertising",
            utm_campaign="autumn-ads",
            owner=owner,
            starts_on=date(2026, 9, 1),
            ends_on=date(2026, 12, 31),
        )
    return {
        "owner": owner,
        "marketer": marketer,
        "reps": (rep1, rep2),
        "vip": vip,
        "segment": segment,
        "campaign": campaign,
        "other": other,
    }


def build_form(tenant, built) -> WebForm:
    page = tenant.client(built["marketer"])
    rep1, rep2 = built["reps"]
    settings_fields = {
        "name": "Dealer enquiry",
        "title": "Become a dealer",
        "segment": built["segment"].pk,
        "consent_text": "I agree to the processing of my personal data",
        "ask_email_consent": "on",
        "button": "Send",
        "thank_you": "Thank you, we call you back today.",
        "campaign": built["campaign"].pk,
        "assign": "round_robin",
        "is_active": "on",
    }
    # no email or phone, nobody to give clients to: refused, nothing saved
    refused = page.post(
        "/marketing/forms/new/", {**settings_fields, "f-first_name-on": "on"}
    ).content.decode()
    assert "A form asks for an email or a phone" in refused
    assert "Choose who gets the clients this form brings." in refused
    with tenant.active():
        assert not WebForm.objects.exists()
    # the segment is saved first, then its parameters can be asked
    data = {
        **settings_fields,
        "owners": [rep1.pk, rep2.pk],
        "f-first_name-on": "on",
        "f-first_name-required": "on",
        "f-first_name-label": "Your name",
        "f-first_name-position": "1",
        "f-email-on": "on",
        "f-email-required": "on",
        "f-email-position": "2",
        "f-phone-on": "on",
        "f-phone-position": "3",
        "f-company-on": "on",
        "f-company-position": "4",
        "f-message-on": "on",
        "f-message-position": "6",
        "rule-0-field": "company",
        "rule-0-value": "Mega",
        "rule-0-owner": built["vip"].pk,
    }
    saved = page.post("/marketing/forms/new/", data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    with tenant.active():
        form = WebForm.objects.get()
    edit = page.get(f"/marketing/forms/{form.pk}/edit/").content.decode()
    assert 'name="f-segment:area-on"' in edit  # the segment's parameter can now be asked
    data |= {"f-segment:area-on": "on", "f-segment:area-position": "5"}
    assert page.post(f"/marketing/forms/{form.pk}/edit/", data).status_code == 302
    with tenant.active():
        form.refresh_from_db()
    assert [item["target"] for item in form.fields] == [
        "first_name",
        "email",
        "phone",
        "company",
        "segment:area",
        "message",
    ]
    assert form.fields[0] == {"target": "first_name", "label": "Your name", "required": True}
    assert form.fields[4]["label"] == "Warehouse, m²"
    assert form.rules == [{"field": "company", "value": "Mega", "owner": built["vip"].pk}]
    return form


def send(client, form: WebForm, answers: dict, address: str = "127.0.0.1", **extra):
    return client.post(
        f"/embed/forms/{form.key}/",
        {"shown": shown_long_ago(form.key), "consent": "on", **answers, **extra},
        REMOTE_ADDR=address,
    )


def test_a_form_is_built_embedded_and_files_each_visitor_under_one_client(tenant_a, built):
    form = build_form(tenant_a, built)
    assert tenant_a.client(built["reps"][0]).get("/marketing/forms/").status_code == 403
    detail = tenant_a.client(built["marketer"]).get(f"/marketing/forms/{form.pk}/").content.decode()
    script_url = f"http://alpha.localhost:8000/embed/forms/{form.key}/form.js"
    assert f"&lt;script src=&quot;{script_url}&quot; async&gt;&lt;/script&gt;" in detail

    visitor = Client(HTTP_HOST="alpha.localhost")
    script = visitor.get(f"/embed/forms/{form.key}/form.js")
    assert script["Content-Type"].startswith("text/javascript")
    body = script.content.decode()
    assert f'"http://alpha.localhost:8000/embed/forms/{form.key}/"' in body
    assert '"utm_campaign"' in body
    shown = visitor.get(f"/embed/forms/{form.key}/?utm_campaign=autumn-ads&page=https://site.test/")
    assert "frame-ancestors *" in shown["Content-Security-Policy"]
    assert "X-Frame-Options" not in shown
    page = shown.content.decode()
    assert 'name="website_url"' in page  # the honeypot
    assert 'name="utm_campaign" value="autumn-ads"' in page
    assert "Become a dealer" in page
    assert "I agree to the processing of my personal data" in page

    # a new visitor by the autumn ads' link: a new client, the first colleague in turn
    first = send(
        visitor,
        form,
        {
            "first_name": "Pavel",
            "email": "Pavel@Dealer.test",
            "phone": "8 916 777-66-55",
            "company": "Dealer House",
            "segment:area": "1200",
            "message": "We want to sell your racks.",
            "consent_email": "on",
        },
        utm_campaign="autumn-ads",
        utm_source="google",
        page="https://site.test/dealers",
    )
    assert first.status_code == 200
    assert "Thank you, we call you back today." in first.content.decode()
    with tenant_a.active():
        pavel = Contact.objects.get(emails__contains=["pavel@dealer.test"])
        assert pavel.owner == built["reps"][0]
        assert (pavel.first_name, pavel.phones, pavel.consent_email) == (
            "Pavel",
            ["+79167776655"],
            True,
        )
        assert pavel.company.name == "Dealer House"
        assert (pavel.segment, pavel.segment_values) == (built["segment"], {"area": 1200})
        logged = Interaction.objects.get(contact=pavel, channel="form")
        assert (logged.channel, logged.direction) == ("form", "inbound")
        assert logged.subject_shown == "Filled in the form “Dealer enquiry”"
        assert "Message: We want to sell your racks." in logged.notes
        submission = FormSubmission.objects.get()
        assert submission.campaign == built["other"]  # the link's campaign, not the form's
        assert submission.utm == {"utm_campaign": "autumn-ads", "utm_source": "google"}
        assert submission.page == "https://site.test/dealers"
        assert CampaignMember.objects.get(contact=pavel).campaign == built["other"]
        told = Notification.objects.get(recipient=built["reps"][0], kind="form_lead")
        assert told.text == "Pavel filled in the form “Dealer enquiry”"

    # the next new visitor, with no UTM: the second colleague, the form's own campaign
    send(visitor, form, {"first_name": "Olga", "email": "olga@shop.test"})
    # a big distributor: the rule gives them to the key account colleague
    send(visitor, form, {"first_name": "Max", "email": "max@mega.test", "company": "MegaRacks"})
    # Pavel again, by phone in another form and a new address: the same client, not a twin
    send(
        visitor,
        form,
        {"first_name": "Pavel", "email": "pavel@home.test", "phone": "+7 916 777 66 55"},
    )
    with tenant_a.active():
        olga = Contact.objects.get(emails__contains=["olga@shop.test"])
        assert olga.owner == built["reps"][1]
        assert CampaignMember.objects.get(contact=olga).campaign == built["campaign"]
        assert Contact.objects.get(emails__contains=["max@mega.test"]).owner == built["vip"]
        pavel.refresh_from_db()
        assert pavel.emails == ["pavel@dealer.test", "pavel@home.test"]
        assert Contact.objects.filter(first_name="Pavel").count() == 1
        assert Interaction.objects.filter(contact=pavel, channel="form").count() == 2
        assert Company.objects.filter(name="Dealer House").count() == 1
    card = tenant_a.client(built["owner"]).get(f"/contacts/{pavel.pk}/").content.decode()
    used = card.split('data-testid="channels-used"')[1].split("</dd>")[0]
    assert "Web form · 2" in used  # the channels the client used, most used first
    listed = tenant_a.client(built["marketer"]).get(f"/marketing/forms/{form.pk}/").content.decode()
    assert "4 submissions" in listed
    assert "Autumn ads" in listed


def test_robots_floods_and_bad_answers_are_kept_out_with_nothing_stored(tenant_a, built):
    form = build_form(tenant_a, built)
    visitor = Client(HTTP_HOST="alpha.localhost")
    good = {"first_name": "Ann", "email": "ann@site.test"}
    # a robot fills the hidden field: thanked, nothing kept
    robot = send(visitor, form, {**good, "website_url": "http://spam.test"})
    assert robot.status_code == 200
    # sent a second after the page was shown, or with a stamp of our own making
    hasty = visitor.post(
        f"/embed/forms/{form.key}/",
        {
            **good,
            "consent": "on",
            "shown": signing.TimestampSigner(salt=SIGNING_SALT).sign(form.key),
        },
    )
    assert hasty.status_code == 400
    assert "That was quick" in hasty.content.decode()
    forged = visitor.post(f"/embed/forms/{form.key}/", {**good, "consent": "on", "shown": "x:y:z"})
    assert "Please send the form from its page." in forged.content.decode()
    # answers we cannot take, each said under its field
    bad = send(
        visitor,
        form,
        {"first_name": "", "email": "not-an-email", "phone": "12", "segment:area": "lots"},
        consent="",
    ).content.decode()
    assert "Please fill this in." in bad
    assert "Please enter an email address." in bad
    assert "Please enter a phone number." in bad
    assert "Please check this answer." in bad
    assert "Please agree to the processing of your data to send the form." in bad
    with tenant_a.active():
        assert not Contact.objects.filter(first_name="Ann").exists()
        assert not FormSubmission.objects.exists()
    # a flood from one address is stopped
    with override_settings(WEBFORM_SUBMISSIONS_PER_HOUR=4):
        statuses = [
            send(visitor, form, {"first_name": f"Bot{n}", "email": f"bot{n}@x.test"}).status_code
            for n in range(3)
        ]
        # the three refused attempts above counted too (the robot's did not)
        assert statuses == [200, 429, 429]
        flooded = send(visitor, form, good, address="10.0.0.9")
        assert flooded.status_code == 200  # another address is still welcome
    # a closed form takes nothing
    with tenant_a.active():
        WebForm.objects.filter(pk=form.pk).update(is_active=False)
    assert send(visitor, form, good).status_code == 404


def test_a_form_belongs_to_its_company_alone(tenant_a, tenant_b, built):
    form = build_form(tenant_a, built)
    visitor_of_b = Client(HTTP_HOST="beta.localhost")
    assert visitor_of_b.get(f"/embed/forms/{form.key}/").status_code == 404
    assert visitor_of_b.get(f"/embed/forms/{form.key}/form.js").status_code == 404
    assert send(visitor_of_b, form, {"first_name": "Eve", "email": "eve@x.test"}).status_code == 404
    with tenant_b.active():
        assert not Contact.objects.filter(first_name="Eve").exists()
    # a flood at A's forms does not count against B's
    with tenant_b.active():
        b_owner = tenant_b.owner()
        b_form = WebForm.objects.create(
            name="B form",
            key="b-form-key",
            fields=[{"target": "email", "label": "Email", "required": True}],
            created_by=b_owner,
        )
    visitor_of_a = Client(HTTP_HOST="alpha.localhost")
    with override_settings(WEBFORM_SUBMISSIONS_PER_HOUR=1):
        assert (
            send(visitor_of_a, form, {"first_name": "A1", "email": "a1@x.test"}).status_code == 200
        )
        assert (
            send(visitor_of_a, form, {"first_name": "A2", "email": "a2@x.test"}).status_code == 429
        )
        answer = visitor_of_b.post(
            f"/embed/forms/{b_form.key}/",
            {"shown": shown_long_ago(b_form.key), "email": "b1@x.test"},
        )
    assert answer.status_code == 200
    with tenant_b.active():
        assert Contact.objects.get(emails__contains=["b1@x.test"]).owner == b_owner
    with tenant_a.active():
        assert not Contact.objects.filter(emails__contains=["b1@x.test"]).exists()


def test_an_existing_client_keeps_their_owner_and_is_told_of_again(tenant_a, built):
    form = build_form(tenant_a, built)
    with tenant_a.active():
        known = contact_create(
            actor=built["owner"],
            data={"first_name": "Kira", "emails": ["kira@site.test"], "consent_email": False},
        )
    send(Client(HTTP_HOST="alpha.localhost"), form, {"first_name": "K", "email": "KIRA@site.test"})
    with tenant_a.active():
        known.refresh_from_db()
        assert (known.first_name, known.owner) == ("Kira", built["owner"])
        assert Notification.objects.filter(recipient=built["owner"], kind="form_lead").count() == 1
        assert not FormSubmission.objects.get().new_contact


def test_an_email_of_one_client_and_a_phone_of_another_proposes_their_merge(tenant_a, built):
    """Omnichannel identity: the email finds the client; the phone, another client's, is
    added to them, and the card proposes the existing merge (with undo) instead of a twin."""
    form = build_form(tenant_a, built)
    with tenant_a.active():
        by_mail = contact_create(
            actor=built["owner"], data={"first_name": "Lena", "emails": ["lena@site.test"]}
        )
        by_phone = contact_create(
            actor=built["owner"], data={"first_name": "Elena", "phones": ["+79165550011"]}
        )
    send(
        Client(HTTP_HOST="alpha.localhost"),
        form,
        {"first_name": "Lena", "email": "lena@site.test", "phone": "8 916 555 00 11"},
    )
    with tenant_a.active():
        by_mail.refresh_from_db()
        assert by_mail.phones == ["+79165550011"]
        assert Contact.objects.filter(archived_at=None).count() == 2  # no third, no twin
    card = tenant_a.client(built["owner"]).get(f"/contacts/{by_mail.pk}/").content.decode()
    proposal = card.split('data-testid="possible-duplicates"')[1].split("</div>")[0]
    assert "Elena" in proposal
    assert f'data-testid="merge-{by_phone.pk}"' in proposal
