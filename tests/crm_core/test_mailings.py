"""A campaign's mailing: merge fields checked with the line, a preview with its plain-text
part, recipients frozen (consent, an address, not suppressed; the others counted by reason),
each sent once in batches with List-Unsubscribe and List-Unsubscribe-Post (RFC 8058), whose
signed link unsubscribes in one click without signing in and opens the preference page;
pause, resume, cancel, and recovery after a worker died without sending anyone twice.

Messages go through Django's email backend (the test settings' in-memory one); a real
Celery worker sends one in test_mailing_worker.py."""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from crm_core.activities.models import Interaction
from crm_core.marketing import mailings as mailing_services
from crm_core.marketing.mailings import (
    mailing_cancel,
    mailing_pause,
    mailing_resume,
    mailing_save,
    mailing_send,
    mailing_start,
    mailings_recover,
    mailings_winners_due,
)
from crm_core.marketing.models import (
    Campaign,
    CampaignMember,
    Mailing,
    MailingLink,
    MailingRecipient,
    Suppression,
)
from crm_core.marketing.services import campaign_save
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role
from tests.queue import unreachable_broker

pytestmark = pytest.mark.django_db

BODY = (
    "<p>Hello {{ contact.first_name }},</p>\n<p>{{ campaign.name }} starts on Monday. "
    '<a href="https://example.com/racks">See the racks</a></p>\n'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


def a_campaign(owner, people=(("Anna", True, True), ("Boris", True, True))) -> Campaign:
    campaign = campaign_save(
        actor=owner,
        campaign=None,
        data={"name": "Spring racks", "kind": "mailing", "starts_on": date(2026, 12, 1)},
    )
    for name, consent, has_email in people:
        contact = contact_create(
            actor=owner,
            data={
                "first_name": name,
                "consent_email": consent,
                "emails": [f"{name.lower()}@buyer.test"] if has_email else [],
            },
        )
        CampaignMember.objects.create(campaign=campaign, contact=contact)
    return campaign


def test_a_mailing_is_checked_previewed_and_sent_once_to_each_member_who_may_have_it(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    with tenant_a.active():
        campaign = a_campaign(
            owner,
            (
                ("Anna", True, True),
                ("Boris", True, True),
                ("Vera", False, True),
                ("Gleb", True, False),
            ),
        )
        Suppression.objects.create(email="boris@buyer.test", reason="bounced")
    client = tenant_a.client(owner)
    form = {"subject": "{{ campaign.name }} for {{ contact.first_name }}", "language": "en"}
    refused = client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/",
        {**form, "body": "<p>\n{{ contact.shoe_size }}</p>", "save": ""},
    )
    assert "Line 2: “contact.shoe_size” is not a merge field." in refused.content.decode()
    preview = client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/", {**form, "body": BODY, "preview": ""}
    ).content.decode()
    assert 'data-testid="preview-subject">Spring racks for Anna<' in preview
    assert "See the racks (https://example.com/racks)" in preview  # the plain-text part
    saved = client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/", {**form, "body": BODY, "save": ""}
    )
    with tenant_a.active():
        mailing = Mailing.objects.get()
    assert saved["Location"] == f"/marketing/mailings/{mailing.pk}/"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/marketing/mailings/{mailing.pk}/start/")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@buyer.test"]
    assert message.subject == "Spring racks for Anna"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://alpha.localhost")
    assert "/portal/email/" in link
    assert "Hello Anna," in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert f'<a href="{link}">Unsubscribe</a>' in html
    # the web link goes through its counting redirect, and a pixel counts the opening
    click = re.search(r'href="(http://alpha\.localhost[^"]*/portal/m/c/[^"]+/)"', html).group(1)
    pixel = re.search(r'<img src="(http://alpha\.localhost[^"]*/portal/m/o/[^"]+/)"', html).group(1)
    assert "https://example.com/racks" not in html
    stranger = tenant_a.client()
    seen = stranger.get(urlsplit(pixel).path)
    assert (seen.status_code, seen["Content-Type"]) == (200, "image/gif")
    went = stranger.get(urlsplit(click).path)
    assert (went.status_code, went["Location"]) == (302, "https://example.com/racks")
    stranger.get(urlsplit(click).path)
    assert stranger.get(urlsplit(click).path[:-4] + "xx/").status_code == 404
    assert tenant_b.client().get(urlsplit(click).path).status_code == 404
    with tenant_a.active():
        anna = MailingRecipient.objects.get(email="anna@buyer.test")
        assert (anna.opens, anna.clicks) == (1, 2)
        assert anna.opened_at is not None
        assert anna.clicked_at is not None
        assert MailingLink.objects.get().clicks == 2
        member = CampaignMember.objects.get(contact=anna.contact)
        assert member.status == "clicked"
        steps = list(
            Interaction.objects.filter(contact=anna.contact).values_list("subject", flat=True)
        )
        assert sorted(steps) == [
            "Campaign “Spring racks”: clicked",
            "Campaign “Spring racks”: opened",
        ]
        CampaignMember.objects.filter(pk=member.pk).update(status="sent")  # as sent, below
    with tenant_a.active():
        mailing.refresh_from_db()
        assert mailing.status == "sent"
        assert mailing.left_out == {"no_consent": 1, "no_email": 1, "suppressed": 1}
        assert list(MailingRecipient.objects.values_list("email", "status")) == [
            ("anna@buyer.test", "sent")
        ]
        statuses = dict(campaign.members.values_list("contact__first_name", "status"))
        assert statuses == {
            "Anna": "sent",
            "Boris": "targeted",
            "Vera": "targeted",
            "Gleb": "targeted",
        }
    page = client.get(f"/marketing/mailings/{mailing.pk}/").content.decode()
    assert "Left out: 1 without consent to emails, 1 without an address, 1 unsubscribed" in page
    again = client.post(f"/marketing/mailings/{mailing.pk}/start/", follow=True)
    assert "It has already been started." in again.content.decode()
    assert client.post(f"/marketing/mailings/{mailing.pk}/explode/").status_code == 404
    assert len(mail.outbox) == 1

    api = client.post(
        f"/api/v1/campaigns/{campaign.pk}/mailings/",
        {"subject": "Hi", "body": "{{ colour }}", "tracking": True},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json() == {"tracking": ["Unknown field."]}
    api = client.post(
        f"/api/v1/campaigns/{campaign.pk}/mailings/",
        {"subject": "Hi", "body": "{{ colour }}"},
        content_type="application/json",
    )
    assert api.json() == {"body": ["Line 1: “colour” is not a merge field."]}


def test_one_click_unsubscribes_and_the_preference_page_works_without_signing_in(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    with tenant_a.active():
        campaign = a_campaign(owner)
        mailing = mailing_save(
            actor=owner, campaign=campaign, mailing=None, data={"subject": "Hi", "body": BODY}
        )
    mail.outbox.clear()
    with tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        mailing_start(actor=owner, mailing=mailing)
    links = {m.to[0]: m.extra_headers["List-Unsubscribe"].strip("<>") for m in mail.outbox}
    anna = urlsplit(links["anna@buyer.test"]).path
    stranger = tenant_a.client()
    # a provider's one-click POST (RFC 8058), twice: once on the timeline
    for _ in range(2):
        answer = stranger.post(anna, {"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
        assert answer.content.decode() == "You are unsubscribed."
    with tenant_a.active():
        contact = Contact.objects.get(first_name="Anna")
        assert not contact.consent_email
        assert Suppression.objects.get().reason == "unsubscribed"
        logged = Interaction.objects.filter(contact=contact)
        assert [row.subject for row in logged] == ["Unsubscribed from emails (mailing “Hi”)"]
        boris = Contact.objects.get(first_name="Boris")
        assert boris.consent_email  # one link unsubscribes its own recipient only
    page = stranger.get(anna).content.decode()
    assert "For anna@buyer.test" in page
    saved = stranger.post(anna, {"email": "on", "sms": "on", "save": ""}).content.decode()
    assert 'data-testid="preferences-saved"' in saved
    with tenant_a.active():
        contact.refresh_from_db()
        assert (contact.consent_email, contact.consent_sms, contact.consent_calls) == (
            True,
            True,
            False,
        )
        assert not Suppression.objects.exists()
    # forged, or the same link on another company's host: refused
    assert stranger.get(anna[:-3] + "xx/").status_code == 404
    assert tenant_b.client().get(anna).status_code == 404


def test_a_mailing_pauses_resumes_cancels_and_never_sends_twice_after_a_worker_died(
    tenant_a, django_capture_on_commit_callbacks, monkeypatch
):
    owner = tenant_a.owner()
    monkeypatch.setattr(mailing_services, "BATCH", 2)
    with tenant_a.active():
        campaign = a_campaign(
            owner, tuple((name, True, True) for name in ("Anna", "Boris", "Vera", "Gleb", "Dina"))
        )
        mailing = mailing_save(
            actor=owner, campaign=campaign, mailing=None, data={"subject": "Hi", "body": BODY}
        )
        mail.outbox.clear()
        mailing_start(actor=owner, mailing=mailing)  # queued, not sent (no commit here)
        mailing_pause(actor=owner, mailing=mailing)
        mailing_send(mailing=mailing)  # a worker finding it paused sends nothing
        assert mail.outbox == []
        # a worker died after claiming Anna and Boris, while sending Anna's message (whether
        # it went is unknown; Boris's was never tried)
        first = list(mailing.recipients.order_by("id")[:2])
        MailingRecipient.objects.filter(pk__in=[r.pk for r in first]).update(
            status="sending",
            claim="tenantly-mail dead",
            claimed_at=timezone.now() - timedelta(minutes=10),
        )
        Mailing.objects.filter(pk=mailing.pk).update(status="sending")
        with django_capture_on_commit_callbacks(execute=True):
            assert mailings_recover() == 1
        assert sorted(m.to[0] for m in mail.outbox) == [
            "boris@buyer.test",
            "dina@buyer.test",
            "gleb@buyer.test",
            "vera@buyer.test",
        ]
        reasons = dict(mailing.recipients.values_list("email", "reason"))
        assert reasons["anna@buyer.test"] == (
            "The worker stopped while sending it; it may have gone, so it is not sent again."
        )
        assert mailing.recipients.get(email="anna@buyer.test").status == "failed"
        mailing.refresh_from_db()
        assert mailing.status == "sent"
        assert mailings_recover() == 0  # nothing claimed is left
        with pytest.raises(Exception, match="Only a mailing being sent or paused"):
            mailing_cancel(actor=owner, mailing=mailing)

        # a mailing cancelled while paused sends no more
        other = mailing_save(
            actor=owner, campaign=campaign, mailing=None, data={"subject": "Bye", "body": BODY}
        )
        mailing_start(actor=owner, mailing=other)
        mailing_pause(actor=owner, mailing=other)
        mailing_cancel(actor=owner, mailing=other)
        with pytest.raises(Exception, match="Only a paused mailing is resumed"):
            mailing_resume(actor=owner, mailing=other)
        assert set(other.recipients.values_list("status", "reason")) == {("failed", "Cancelled")}

        # a claim whose worker is alive (its session open) is left alone
        alive = mailing_save(
            actor=owner, campaign=campaign, mailing=None, data={"subject": "Live", "body": BODY}
        )
        mailing_start(actor=owner, mailing=alive)
        alive.recipients.update(
            status="sending",
            claim="tenantly-mail alive",
            claimed_at=timezone.now() - timedelta(minutes=10),
        )
    session = psycopg.connect(
        **connection.get_connection_params(), application_name="tenantly-mail alive"
    )
    with session, tenant_a.active():
        assert mailings_recover() == 0
        assert set(alive.recipients.values_list("status", flat=True)) == {"sending"}
    rep = tenant_a.make_user(Role.SALES_REP)
    assert tenant_a.client(rep).get(f"/marketing/mailings/{mailing.pk}/").status_code == 404


def test_a_mailing_the_queue_cannot_take_waits_paused(tenant_a, django_capture_on_commit_callbacks):
    owner = tenant_a.owner()
    with tenant_a.active():
        campaign = a_campaign(owner)
        mailing = mailing_save(
            actor=owner, campaign=campaign, mailing=None, data={"subject": "Hi", "body": BODY}
        )
    with unreachable_broker(), django_capture_on_commit_callbacks(execute=True):
        answer = tenant_a.client(owner).post(f"/marketing/mailings/{mailing.pk}/start/")
    assert answer.status_code == 302
    with tenant_a.active():
        mailing.refresh_from_db()
        assert mailing.status == "paused"
        assert set(mailing.recipients.values_list("status", flat=True)) == {"queued"}


def test_an_ab_test_sends_both_subjects_to_a_share_then_the_winner_to_the_rest(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    names = ("Anna", "Boris", "Vera", "Gleb", "Dina", "Egor", "Fira", "Ilya", "Kira", "Lev")
    with tenant_a.active():
        campaign = a_campaign(owner, tuple((name, True, True) for name in names))
    client = tenant_a.client(owner)
    form = {
        "subject": "Racks for {{ contact.first_name }}",
        "body": BODY,
        "language": "en",
        "winner_by": "clicks",
        "save": "",
    }
    refused = client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/", {**form, "test_share": "40"}
    )
    assert "Write variant B&#x27;s subject or message to test it." in refused.content.decode()
    refused = client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/",
        {**form, "test_share": "40", "subject_b": "{{ contact.shoe }} deals"},
    )
    assert "Line 1: “contact.shoe” is not a merge field." in refused.content.decode()
    preview = client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/",
        {**form, "test_share": "40", "subject_b": "Warehouse deals", "preview": ""},
    ).content.decode()
    assert "Warehouse deals" in preview  # variant B's preview beside A's
    client.post(
        f"/marketing/campaigns/{campaign.pk}/mailings/new/",
        {**form, "test_share": "40", "subject_b": "Warehouse deals", "test_hours": "2"},
    )
    with tenant_a.active():
        mailing = Mailing.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/marketing/mailings/{mailing.pk}/start/")
    # 40 % of 10: two with A, two with B; six wait
    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 4
    assert sum(subject.startswith("Racks for") for subject in subjects) == 2
    assert subjects.count("Warehouse deals") == 2
    with tenant_a.active():
        mailing.refresh_from_db()
        assert mailing.status == "testing"
        assert mailing.test_ends_at > timezone.now() + timedelta(hours=1)
        assert mailing.recipients.filter(status="held").count() == 6
    # one B recipient clicks: B wins by clicks
    b_message = next(m for m in mail.outbox if m.subject == "Warehouse deals")
    click = re.search(r'href="(http://[^"]*/portal/m/c/[^"]+/)"', b_message.alternatives[0][0])
    tenant_a.client().get(urlsplit(click.group(1)).path)
    page = client.get(f"/marketing/mailings/{mailing.pk}/").content.decode()
    assert 'data-testid="mailing-variants"' in page
    assert 'data-testid="mailing-winner"' in page
    mail.outbox.clear()
    with tenant_a.active(), django_capture_on_commit_callbacks(execute=True):
        assert mailings_winners_due() == 0  # its hours are not over
        assert mailings_winners_due(now=timezone.now() + timedelta(hours=3)) == 1
    assert sorted(message.subject for message in mail.outbox) == ["Warehouse deals"] * 6
    with tenant_a.active():
        mailing.refresh_from_db()
        assert (mailing.status, mailing.winner) == ("sent", "b")
        assert mailing.recipients.filter(status="sent").count() == 10
    api = client.get(f"/api/v1/mailings/{mailing.pk}/").json()
    assert (api["winner"], api["test_share"], api["subject_b"]) == ("b", 40, "Warehouse deals")
