"""A proposal sent to its person: a mail with a link to its portal page (signed for this
company and this sending), views counted and told to the owner, a question, a decline with a
reason, or an acceptance (typed name, consent, time, address and the SHA-256 of the exact
document, kept) that places an order at the agreed prices or wins the deal; an expired or
used link refused; a customer's account lists only their own proposals."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order
from crm_core.deals.models import Deal
from crm_core.deals.services import deal_create
from crm_core.notifications.models import Notification
from crm_core.proposals.drafting import LineInput, proposal_create, proposal_update
from crm_core.proposals.models import Proposal
from crm_core.workspace.services import own_requisites
from portal.services.proposals import proposal_token
from tests.crm_core.test_proposal_gates import set_up
from tests.crm_core.test_proposals import catalogue, ready_client
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


def link_in_mail(email: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [email]:
            return re.search(r"http://[^/]+(/portal/proposals/\S+/)", message.body).group(1)
    raise AssertionError(f"no proposal mail to {email}")


def sent_proposal(tenant, owner, capture, name: str, discount: str = "10", deal=False):
    with tenant.active():
        segment = set_up(owner)
        racks, trucks, _loans, _cover = catalogue(owner, segment)
        company, buyer = ready_client(owner, segment, name)
        data = {}
        if deal:
            data["deal"] = deal_create(
                actor=owner, data={"title": f"{name} deal", "company": company}
            )
        proposal = proposal_create(actor=owner, client=company, data=data)
        proposal = proposal_update(
            actor=owner,
            proposal=proposal,
            data={
                "lines": [
                    LineInput(racks, Decimal(10), Decimal(discount)),
                    LineInput(trucks, Decimal(1)),
                ]
            },
        )
    staff = tenant.client(owner)
    with capture(execute=True):
        sent = staff.post(f"/proposals/{proposal.pk}/send/", follow=True)
    assert f"The proposal is sent to {buyer.emails[0]}." in sent.content.decode()
    return proposal, buyer, link_in_mail(buyer.emails[0])


def test_the_customer_opens_asks_and_accepts_and_an_order_is_placed_at_the_agreed_prices(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    proposal, buyer, link = sent_proposal(
        tenant_a, owner, django_capture_on_commit_callbacks, "Kultarr Trade"
    )
    assert "Kultarr Trade" in mail.outbox[-1].subject or proposal.number in mail.outbox[-1].subject
    visitor = tenant_a.client()
    page = visitor.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert proposal.title in text
    assert 'data-testid="accept-form"' in text
    visitor.get(link)  # the same visit: not another opening
    tenant_a.client().get(link)  # another visit
    tenant_a.client(owner).get(link)  # staff following the link count no view
    with tenant_a.active():
        proposal.refresh_from_db()
        assert proposal.view_count == 2
        assert (
            Notification.objects.filter(
                recipient=owner, kind=Notification.Kind.PROPOSAL_VIEWED
            ).count()
            == 1
        )
    asked = visitor.post(f"{link}question/", {"question": "Can you deliver in May?"}, follow=True)
    assert "Your question is sent" in asked.content.decode()
    refused = visitor.post(f"{link}accept/", {"name": "  ", "consent": ""}, follow=True)
    assert "Type your full name to sign." in refused.content.decode()
    assert "Confirm that you accept the proposal and its terms." in refused.content.decode()
    accepted = visitor.post(
        f"{link}accept/",
        {"name": "Ivan Buyer", "consent": "on"},
        HTTP_USER_AGENT="Firefox/140",
        REMOTE_ADDR="203.0.113.7",
        follow=True,
    )
    assert 'data-testid="proposal-accepted"' in accepted.content.decode()
    with tenant_a.active():
        proposal.refresh_from_db()
        assert proposal.status == Proposal.Status.ACCEPTED
        assert (proposal.accepted_name, proposal.accepted_ip, proposal.accepted_agent) == (
            "Ivan Buyer",
            "203.0.113.7",
            "Firefox/140",
        )
        kept = proposal.accepted_document.read()
        assert kept.startswith(b"%PDF")
        assert proposal.document_hash == hashlib.sha256(kept).hexdigest()
        order = Order.objects.get(pk=proposal.order_id)
        assert order.status == Order.Status.PLACED
        # the racks at 10 % off, the trucks at the list price
        assert [(line.product.sku, line.unit_price) for line in order.lines.all()] == [
            ("RACK", Decimal("1080.00")),
            ("TRUCK", Decimal("90000.00")),
        ]
        assert order.total == proposal.total
        subjects = [
            str(row.subject)
            for row in Interaction.objects.filter(contact=buyer, channel="proposal").order_by(
                "occurred_at", "id"
            )
        ]
        assert subjects[-4:] == [
            f"Proposal {proposal.number} sent",
            f"Proposal {proposal.number} opened by the client",
            f"Question on proposal {proposal.number}",
            f"Proposal {proposal.number} accepted",
        ]
        told = Notification.objects.get(recipient=owner, kind=Notification.Kind.PROPOSAL_ACCEPTED)
        assert told.text == f"Kultarr Trade accepted proposal {proposal.number}"
    # the link, once used, accepts nothing more; the PDF is the document accepted
    again = visitor.post(f"{link}accept/", {"name": "Ivan Buyer", "consent": "on"}, follow=True)
    assert "This proposal is accepted: nothing more can be done with it." in (
        again.content.decode()
    )
    assert visitor.get(f"{link}pdf/").content == kept
    staff_page = tenant_a.client(owner).get(f"/proposals/{proposal.pk}/").content.decode()
    assert proposal.document_hash in staff_page
    assert f">{order.number}</a>" in staff_page


def test_an_expired_or_forged_link_is_refused_and_a_decline_says_why(
    tenant_a, tenant_b, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    proposal, _buyer, link = sent_proposal(
        tenant_a, owner, django_capture_on_commit_callbacks, "Phascogale Trade"
    )
    visitor = tenant_a.client()
    assert visitor.get(link[:-5] + "xxxx/").status_code == 404
    # the same link on another company's host means nothing there
    assert tenant_b.client().get(link).status_code == 404
    no_reason = visitor.post(f"{link}decline/", {"reason": ""}, follow=True)
    assert "Tell us why, so that we can do better." in no_reason.content.decode()
    with tenant_a.active():
        Proposal.objects.filter(pk=proposal.pk).update(
            valid_until=timezone.localdate() - timedelta(days=1)
        )
    page = visitor.get(link).content.decode()
    assert 'data-testid="proposal-expired"' in page
    assert 'data-testid="accept-form"' not in page
    late = visitor.post(f"{link}accept/", {"name": "Ivan", "consent": "on"}, follow=True)
    assert "This proposal expired on" in late.content.decode()
    with tenant_a.active():
        Proposal.objects.filter(pk=proposal.pk).update(valid_until=timezone.localdate())
    visitor.post(f"{link}decline/", {"reason": "Too dear for us"})
    with tenant_a.active():
        proposal.refresh_from_db()
        assert (proposal.status, proposal.decline_reason) == ("declined", "Too dear for us")
        assert (
            Notification.objects.get(kind=Notification.Kind.PROPOSAL_DECLINED).text
            == f"Phascogale Trade declined proposal {proposal.number}: Too dear for us"
        )


def test_acceptance_wins_the_deal_per_the_companys_setting(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    with tenant_a.active():
        settings_row = own_requisites()
        settings_row.proposal_acceptance = "deal"
        settings_row.save()
    proposal, _buyer, link = sent_proposal(
        tenant_a, owner, django_capture_on_commit_callbacks, "Ningbing Trade", deal=True
    )
    tenant_a.client().post(f"{link}accept/", {"name": "Ivan Buyer", "consent": "on"})
    with tenant_a.active():
        proposal.refresh_from_db()
        assert proposal.status == "accepted"
        assert proposal.order_id is None
        moved = Interaction.objects.filter(subject__contains="could not be moved").first()
        assert moved is None, moved.notes
        deal = Deal.objects.select_related("stage").get(pk=proposal.deal_id)
        assert deal.stage.is_won
        assert deal.closed_at is not None


def test_a_customers_account_lists_their_own_proposals_only(
    tenant_a, django_capture_on_commit_callbacks
):
    owner = tenant_a.owner()
    carol = make_customer(
        tenant_a, django_capture_on_commit_callbacks, email="carol@kaluta.test", name="Carol K"
    )
    dave = make_customer(
        tenant_a, django_capture_on_commit_callbacks, email="dave@kaluta.test", name="Dave K"
    )
    proposal, _buyer, _link = sent_proposal(
        tenant_a, owner, django_capture_on_commit_callbacks, "Kaluta Trade"
    )
    with tenant_a.active():
        Proposal.objects.filter(pk=proposal.pk).update(contact=carol.contact)
        proposal.refresh_from_db()
        token = proposal_token(proposal)
    mine = tenant_a.client(carol.user).get("/portal/proposals/").content.decode()
    assert proposal.number in mine
    assert token in mine
    theirs = tenant_a.client(dave.user).get("/portal/proposals/").content.decode()
    assert proposal.number not in theirs
    assert "No proposals yet." in theirs


def test_a_proposal_cannot_be_sent_to_a_person_without_an_email(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = set_up(owner)
        catalogue(owner, segment)
        company, buyer = ready_client(owner, segment, "Dunnart Supply")
        buyer.emails = []
        buyer.save()
        proposal = proposal_create(actor=owner, client=company, data={})
    refused = tenant_a.client(owner).post(f"/proposals/{proposal.pk}/send/", follow=True)
    assert "The person it goes to has no email." in refused.content.decode()
    with tenant_a.active():
        proposal.refresh_from_db()
        assert proposal.status == "draft"
