"""Support requests: opened in the portal on a topic with files, answered by staff in the CRM,
followed and closed by the customer; uploads are checked for size and type."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from crm_core.activities.models import Interaction
from crm_core.notifications.models import Notification
from crm_core.support.models import SupportTopic, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic(tenant_a) -> SupportTopic:
    with tenant_a.active():
        return SupportTopic.objects.create(name="Delivery", priority="high")


def open_request(client, topic, **extra):
    return client.post(
        "/portal/support/new/",
        {"topic": topic.pk, "subject": "Where is my parcel?", "body": "It is late.", **extra},
    )


def test_request_answered_by_staff_and_closed_by_the_customer(
    tenant_a, customer, topic, django_capture_on_commit_callbacks
):
    client = tenant_a.client(customer.user)
    scan = SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 receipt", content_type="application/pdf")
    response = open_request(client, topic, attachments=[scan])
    with tenant_a.active():
        ticket = Ticket.objects.get(contact=customer.contact)
        assert response["Location"] == f"/portal/support/{ticket.pk}/"
        assert (ticket.source, ticket.priority, ticket.topic) == ("portal", "high", topic)
        assert Notification.objects.filter(kind="portal_ticket").exists()
        first = ticket.messages.get()
        assert first.from_client
        assert first.interaction.attachments.count() == 1
        uuid = first.interaction.attachments.get().uuid
    page = client.get(f"/portal/support/{ticket.pk}/").content.decode()
    assert "We answer by" in page
    assert ".." not in page.replace("...", "")  # a time such as "10:39 a.m." ends no sentence
    assert "receipt.pdf" in page
    assert client.get(f"/portal/support/files/{uuid}/").status_code == 200

    # staff answer in the CRM, with an internal note the customer never sees
    staff = tenant_a.client(tenant_a.owner())
    assert "receipt.pdf" in staff.get(f"/tickets/{ticket.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/tickets/{ticket.pk}/", {"body": "Secret: courier lost it", "internal": "on"})
        staff.post(f"/tickets/{ticket.pk}/", {"body": "It arrives tomorrow."})
    reply_mail = mail.outbox[-1]
    assert reply_mail.to == [customer.user.email]
    assert "It arrives tomorrow." in reply_mail.body
    assert re.search(rf"/portal/support/{ticket.pk}/", reply_mail.body)
    page = client.get(f"/portal/support/{ticket.pk}/").content.decode()
    assert "It arrives tomorrow." in page
    assert "courier lost it" not in page

    # the customer writes back: the request is open again, the assignee or owner is told
    client.post(f"/portal/support/{ticket.pk}/", {"body": "Thanks, and the invoice?"})
    with tenant_a.active():
        ticket.refresh_from_db()
        assert ticket.status == "open"
        assert Notification.objects.filter(kind="portal_message").exists()
    client.post(f"/portal/support/{ticket.pk}/close/")
    with tenant_a.active():
        ticket.refresh_from_db()
        assert ticket.status == "closed"
        channels = list(
            Interaction.objects.filter(contact=customer.contact, channel="ticket").values_list(
                "direction", flat=True
            )
        )
        assert channels.count("inbound") == 3
        assert channels.count("outbound") == 1
    closed = client.post(f"/portal/support/{ticket.pk}/", {"body": "one more"})
    assert "This request is closed" in closed.content.decode()


def test_uploads_are_checked_and_nothing_is_kept_of_a_refused_request(tenant_a, customer, topic):
    client = tenant_a.client(customer.user)
    program = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    fake_pdf = SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf")
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (10 * 1024 * 1024 + 1))
    for upload, problem in (
        (program, "attach PDF, PNG"),
        (fake_pdf, "is not really a PDF"),
        (big, "larger than 10 MB"),
    ):
        response = open_request(client, topic, attachments=[upload])
        assert response.status_code == 200
        assert problem in response.content.decode()
    no_topic = client.post("/portal/support/new/", {"body": "Hello"})
    assert "topic" in no_topic.context["form"].errors
    with tenant_a.active():
        assert not Ticket.objects.filter(contact=customer.contact).exists()


def test_topics_are_managed_by_the_companys_admin(tenant_a):
    owner = tenant_a.client(tenant_a.owner())
    owner.post(
        "/settings/portal/topics/",
        {
            "topic-new-name": "Returns",
            "topic-new-priority": "low",
            "topic-new-position": 1,
            "topic-new-is_active": "on",
        },
    )
    with tenant_a.active():
        assert SupportTopic.objects.get(name="Returns").priority == "low"
    rep = tenant_a.client(tenant_a.make_user())
    assert rep.post("/settings/portal/topics/", {"topic-new-name": "X"}).status_code == 403
