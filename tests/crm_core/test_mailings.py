"""A campaign's mailing: merge fields checked with the line, a preview with its plain-text
part, recipients frozen (consent, an address, not suppressed; the others counted by reason),
each sent once in batches with List-Unsubscribe and List-Unsubscribe-Post (RFC 8058), whose
signed link unsubscribes in one click without signing in and opens the preference page;
pause, resume, cancel, and recovery after a worker died without sending anyone twice.

Messages go through Django's email backend (the test settings' in-memory one); a real
Celery worker sends one in test_mailing_worker.py."""

import re
import threading
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from crm_core.activities.models import Interaction
from crm_core.deals.models import Deal
from crm_core.deals.services import deal_create
from crm_core.marketing import mailings as mailing_services
from crm_core.marketing.mailings import (
    mailing_cancel,
    mailing_pause,
    mailing_resume,
    mailing_save,
    mailing_send,
    mailing_start,
    mailings_due,
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
    assert (went.status_code, went["Location"]) == (
        302,
        "https://example.com/racks?utm_source=mailing&utm_medium=email&utm_campaign=spring-racks",
    )
    stranger.get(urlsplit(click).path)
    token, link_id = urlsplit(click).path.rstrip("/").split("/")[-2:]
    assert stranger.get(f"/portal/m/c/{token[:-2]}xx/{link_id}/").status_code == 404
    assert stranger.get(f"/portal/m/c/{token}/{int(link_id) + 1000}/").status_code == 404
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
        with pytest.raises(Exception, match="Only a mailing scheduled, being sent or paused"):
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


def test_the_providers_rate_is_shared_by_every_worker(settings):
    """MAILING_RATE holds for all senders together (two threads here, workers of any company
    in production): never more messages in one second than the rate."""
    settings.MAILING_RATE = 3
    settings.EMAIL_PROVIDER = f"rate-{uuid.uuid4().hex}"  # a counter of this test's own
    seconds: list[int] = []

    def worker() -> None:
        for _turn in range(4):
            mailing_services._take_turn()
            seconds.append(int(time.time()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seconds) == 8
    assert max(Counter(seconds).values()) <= 3
    assert len(set(seconds)) >= 3


def test_an_ab_test_won_by_conversions_counts_new_deals_since_the_message(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    names = ("Anna", "Boris", "Vera", "Gleb", "Dina", "Egor", "Fira", "Ilya", "Kira", "Lev")
    with tenant_a.active():
        campaign = a_campaign(owner, tuple((name, True, True) for name in names))
        refused = pytest.raises(Exception, match="Choose openings, clicks or conversions.")
        with refused:
            mailing_save(
                actor=owner,
                campaign=campaign,
                mailing=None,
                data={
                    "subject": "A",
                    "body": BODY,
                    "subject_b": "B",
                    "test_share": 40,
                    "winner_by": "sales",
                },
            )
        mailing = mailing_save(
            actor=owner,
            campaign=campaign,
            mailing=None,
            data={
                "subject": "Racks",
                "body": BODY,
                "subject_b": "Deals",
                "test_share": 40,
                "winner_by": "conversions",
                "test_hours": 2,
            },
        )
        with django_capture_on_commit_callbacks(execute=True):
            mailing_start(actor=owner, mailing=mailing)
        tested = {r.contact_id: r.variant for r in mailing.recipients.filter(status="sent")}
        a_people = [pk for pk, variant in tested.items() if variant == "a"]
        b_people = [pk for pk, variant in tested.items() if variant == "b"]
        # an old deal of a B recipient does not count; a new one of an A recipient does
        old = deal_create(
            actor=owner, data={"title": "Old", "contact": Contact.objects.get(pk=b_people[0])}
        )
        Deal.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
        deal_create(
            actor=owner, data={"title": "New", "contact": Contact.objects.get(pk=a_people[0])}
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert mailings_winners_due(now=timezone.now() + timedelta(hours=3)) == 1
        mailing.refresh_from_db()
        assert (mailing.status, mailing.winner) == ("sent", "a")
        assert sorted(message.subject for message in mail.outbox) == ["Racks"] * 6
    page = tenant_a.client(owner).get(f"/marketing/mailings/{mailing.pk}/").content.decode()
    a_row = page.split('data-variant="a">')[1].split("</tr>")[0]
    # A's two in the test and its six after: one converted
    assert '<td class="text-end">8</td>' in a_row
    assert '<td class="text-end">1</td><td class="text-end">12.5 %</td>' in a_row


def test_a_scheduled_mailing_waits_then_arrives_in_each_recipients_own_hours(
    tenant_a, django_capture_on_commit_callbacks
):
    """Scheduled for later, frozen by the beat when its time comes; each recipient's window
    (9:00-18:00 of their own day: Anna in Vladivostok, UTC+10; Boris with no zone of his own,
    so the mailing's Moscow, UTC+3) opens and closes by their clock."""
    owner = tenant_a.owner()
    real_now = timezone.now()
    with tenant_a.active():
        campaign = a_campaign(owner)
        Contact.objects.filter(first_name="Anna").update(time_zone="Asia/Vladivostok")
        base = {"subject": "Racks", "body": BODY, "time_zone": "Europe/Moscow"}
        for wrong, field in (
            ({"send_at": real_now - timedelta(hours=1)}, "send_at"),
            ({"window_from": 9}, "window_from"),
            ({"window_from": 18, "window_to": 9}, "window_from"),
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ):
            with pytest.raises(ValidationError) as refused:
                mailing_save(actor=owner, campaign=campaign, mailing=None, data={**base, **wrong})
            assert field in refused.value.message_dict
        mailing = mailing_save(
            actor=owner,
            campaign=campaign,
            mailing=None,
            data={
                **base,
                "send_at": real_now + timedelta(hours=1),
                "window_from": 9,
                "window_to": 18,
            },
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert mailing_start(actor=owner, mailing=mailing).status == "scheduled"
            assert not mailing.recipients.exists()  # frozen when it is sent, not before
            assert mailings_due(now=real_now) == 0
            # two days on, at 05:00 UTC: 15:00 in Vladivostok, 08:00 in Moscow
            day = (real_now + timedelta(days=2)).replace(hour=5, minute=0, second=0, microsecond=0)
            assert mailings_due(now=day) == 1
        mailing.refresh_from_db()
        assert mailing.status == "sending"
        windows = {
            r.email: (r.not_before, r.not_after) for r in mailing.recipients.order_by("email")
        }
        assert windows["anna@buyer.test"] == (day, day + timedelta(hours=3))
        assert windows["boris@buyer.test"] == (day + timedelta(hours=1), day + timedelta(hours=10))
        # as the clock really is: Anna's window open, Boris's not yet
        MailingRecipient.objects.filter(email="anna@buyer.test").update(
            not_before=real_now - timedelta(minutes=5), not_after=real_now + timedelta(hours=1)
        )
        MailingRecipient.objects.filter(email="boris@buyer.test").update(
            not_before=real_now + timedelta(hours=1), not_after=real_now + timedelta(hours=2)
        )
        mail.outbox.clear()
        mailing_send(mailing=mailing)
        assert [m.to[0] for m in mail.outbox] == ["anna@buyer.test"]
        assert Mailing.objects.get(pk=mailing.pk).status == "sending"  # Boris waits
        # Boris's window went by unsent (no worker): the beat moves it to his next day's
        MailingRecipient.objects.filter(email="boris@buyer.test").update(
            not_before=day + timedelta(hours=1), not_after=day + timedelta(hours=10)
        )
        later = day + timedelta(hours=11)  # 19:00 in Moscow
        assert mailings_due(now=later) == 0
        boris = MailingRecipient.objects.get(email="boris@buyer.test")
        assert (boris.not_before, boris.not_after) == (
            day + timedelta(days=1, hours=1),
            day + timedelta(days=1, hours=10),
        )
        # and when it opens, the beat hands the mailing to a worker
        MailingRecipient.objects.filter(pk=boris.pk).update(
            not_before=real_now - timedelta(minutes=1), not_after=real_now + timedelta(hours=1)
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert mailings_due(now=real_now) == 1
        assert [m.to[0] for m in mail.outbox] == ["boris@buyer.test"]
        assert Mailing.objects.get(pk=mailing.pk).status == "sent"
    page = tenant_a.client(owner).get(f"/marketing/mailings/{mailing.pk}/").content.decode()
    assert "Arrives between 9:00 and 18:00 of each recipient" in page


def test_a_scheduled_mailing_is_set_on_its_form_and_can_be_cancelled(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        campaign = a_campaign(owner)
    client = tenant_a.client(owner)
    form = {
        "subject": "Racks",
        "body": BODY,
        "language": "en",
        "send_at": "2031-03-02T10:30",
        "window_from": "9",
        "window_to": "18",
        "time_zone": "Asia/Novosibirsk",
        "save": "",
    }
    client.post(f"/marketing/campaigns/{campaign.pk}/mailings/new/", form)
    with tenant_a.active():
        mailing = Mailing.objects.get()
    assert mailing.send_at.isoformat() == "2031-03-02T03:30:00+00:00"  # 10:30 at UTC+7
    edit = client.get(f"/marketing/mailings/{mailing.pk}/edit/").content.decode()
    assert 'value="2031-03-02T10:30"' in edit
    client.post(f"/marketing/mailings/{mailing.pk}/start/")
    page = client.get(f"/marketing/mailings/{mailing.pk}/").content.decode()
    assert 'data-testid="mailing-status">Scheduled<' in page
    assert "(Asia/Novosibirsk)" in page
    client.post(f"/marketing/mailings/{mailing.pk}/cancel/")
    with tenant_a.active():
        assert Mailing.objects.get(pk=mailing.pk).status == "cancelled"
    api = client.get(f"/api/v1/mailings/{mailing.pk}/").json()
    assert (api["window_from"], api["window_to"], api["time_zone"]) == (9, 18, "Asia/Novosibirsk")
    refused = client.post(
        f"/api/v1/campaigns/{campaign.pk}/mailings/",
        {"subject": "X", "body": "<p>x</p>", "window_from": 10, "window_to": 9},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "window_from" in refused.json()
