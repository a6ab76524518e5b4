from datetime import timedelta

import pytest

from crm_core.activities.models import Interaction
from crm_core.parties.services import contact_create
from crm_core.support.models import SupportTopic, Ticket
from crm_core.support.services import ticket_open, ticket_update
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def test_a_request_is_answered_in_its_thread_with_sla_and_on_the_timeline(tenant_a):
    owner = tenant_a.owner()
    agent = tenant_a.make_user(Role.SUPPORT)
    with tenant_a.active():
        client_contact = contact_create(actor=owner, data={"first_name": "Irina"})
    staff = tenant_a.client(agent)
    opened = staff.post(
        "/tickets/new/",
        {
            "contact": client_contact.pk,
            "subject": "Late delivery",
            "body": "Where is my order?",
            "priority": "high",
            "kind": "complaint",
        },
    )
    assert opened.status_code == 302
    with tenant_a.active():
        ticket = Ticket.objects.get()
        assert ticket.number.startswith("T-")
        assert ticket.sla_due_at - ticket.created_at == timedelta(hours=8)
    staff.post(f"/tickets/{ticket.pk}/", {"body": "Checking with the warehouse.", "internal": "on"})
    staff.post(f"/tickets/{ticket.pk}/", {"body": "It ships tomorrow, sorry for the wait."})
    page = staff.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Where is my order?" in page
    assert "internal note" in page
    with tenant_a.active():
        ticket.refresh_from_db()
        assert ticket.status == "waiting"
        assert ticket.first_response_at is not None
        subjects = list(
            Interaction.objects.filter(contact=client_contact, channel="ticket").values_list(
                "subject", flat=True
            )
        )
    assert sorted(subjects) == sorted(
        [f"Request {ticket.number}: Late delivery", f"Reply to {ticket.number}"]
    )
    staff.post(f"/tickets/{ticket.pk}/", {"status": "closed", "priority": "high", "assignee": ""})
    closed = staff.post(f"/tickets/{ticket.pk}/", {"body": "One more thing"}, follow=True)
    assert "This request is closed; reopen it to reply." in closed.content.decode()


def test_ticket_errors_and_visibility(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        hidden = contact_create(actor=owner, data={"first_name": "Hidden"})
    api = tenant_a.client(owner)
    bad = api.post(
        "/api/v1/tickets/",
        {"contact": hidden.pk, "subject": " ", "body": " "},
        content_type="application/json",
    )
    assert bad.status_code == 400
    created = api.post(
        "/api/v1/tickets/",
        {"contact": hidden.pk, "subject": "Invoice", "body": "Need a copy", "priority": "urgent"},
        content_type="application/json",
    ).json()
    rep_client = tenant_a.client(rep)
    assert rep_client.get(f"/api/v1/tickets/{created['id']}/").status_code == 404
    assert rep_client.get(f"/tickets/{created['id']}/").status_code == 404
    assert rep_client.get("/api/v1/tickets/").json() == []
    reply = api.post(
        f"/api/v1/tickets/{created['id']}/messages/",
        {"body": "Sent"},
        content_type="application/json",
    )
    assert reply.status_code == 201
    assert api.get(f"/api/v1/tickets/{created['id']}/").json()["status"] == "waiting"


def test_the_queue_filters_by_topic_source_assignee_priority_and_text(
    tenant_a, django_assert_max_num_queries
):
    owner = tenant_a.owner()
    agent = tenant_a.make_user(Role.SUPPORT, full_name="Agnes Agent")
    with tenant_a.active():
        contact = contact_create(actor=owner, data={"first_name": "Vera", "last_name": "Client"})
        delivery = SupportTopic.objects.create(name="Delivery questions")
        returns = SupportTopic.objects.create(name="Returns and refunds")
        portal = ticket_open(
            actor=None,
            contact=contact,
            subject="Parcel lost",
            body="Where?",
            source="portal",
            topic=delivery,
        )
        staff = ticket_open(
            actor=owner,
            contact=contact,
            subject="Refund the broken drill",
            body="Broken",
            priority=Ticket.Priority.HIGH,
            topic=returns,
        )
        ticket_update(ticket=staff, assignee=agent)
        closed = ticket_open(actor=owner, contact=contact, subject="Old matter", body="x")
        ticket_update(ticket=closed, status=Ticket.Status.CLOSED)
    client = tenant_a.client(agent)

    def numbers(**params) -> list[str]:
        # 9 queries (host, session, user, badges, topics, agents, tickets, the role's
        # permissions for the New button) and the schema switches between them, whatever the
        # filters and however many tickets
        with django_assert_max_num_queries(20):
            response = client.get("/tickets/", params)
        return [ticket.number for ticket in response.context["tickets"]]

    assert numbers() == [staff.number, portal.number]  # open ones, by answer due
    assert numbers(topic=delivery.pk) == [portal.number]
    assert numbers(source="portal") == [portal.number]
    assert numbers(source="staff", status="all") == [staff.number, closed.number]
    assert numbers(assignee="me") == [staff.number]
    assert numbers(assignee="none") == [portal.number]
    assert numbers(assignee=agent.pk) == [staff.number]
    assert numbers(priority="high") == [staff.number]
    assert numbers(q="drill") == [staff.number]
    assert numbers(q=portal.number.lower()) == [portal.number]
    # nonsense is ignored, never an error
    assert numbers(topic="x'; --", source="fax", priority="??", assignee="-1") == [
        staff.number,
        portal.number,
    ]
    page = client.get("/tickets/", {"source": "portal"}).content.decode()
    assert 'data-testid="from-portal"' in page
    assert "Delivery questions" in page
