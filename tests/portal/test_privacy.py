"""The customer's data: the download holds all of it and nobody else's; an erasure request goes
to staff, and erasure anonymises the person while the orders keep their figures."""

from __future__ import annotations

import io
import json
import zipfile
from decimal import Decimal

import pytest

from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order
from crm_core.commerce.services import LineRequest, order_create
from crm_core.history.models import RecordChange
from crm_core.parties.models import Contact
from crm_core.support.models import Ticket
from crm_core.support.services import ticket_open
from portal.models import Address
from search.models import SearchEntry
from search.selectors import query
from search.services import changes_index
from tenants.identity.models import User
from tests.conftest import PASSWORD
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


def test_data_download_has_everything_of_the_customer_only(
    tenant_a, customer, catalogue_a, django_capture_on_commit_callbacks
):
    other = make_customer(
        tenant_a, django_capture_on_commit_callbacks, email="otto@client.test", name="Otto Other"
    )
    with tenant_a.active():
        order = order_create(
            actor=None,
            contact=customer.contact,
            lines=[LineRequest(catalogue_a["bolts"], Decimal(2))],
        )
        Order.objects.filter(pk=order.pk).update(status="placed")
        ticket_open(
            actor=customer.user,
            contact=customer.contact,
            subject="Mine",
            body="my text",
            source="portal",
        )
        ticket_open(actor=other.user, contact=other.contact, subject="Otto's", body="otto text")
    response = tenant_a.client(customer.user).get("/portal/profile/my-data.zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "carol@client.test"
    assert data["addresses"][0]["line1"] == "1 Main St"
    assert data["orders"][0]["lines"][0]["sku"] == "BOLT-1"
    assert [request["subject"] for request in data["requests"]] == ["Mine"]
    assert "otto" not in response.content.decode("latin-1").lower()


def test_erasure_request_then_erasure_by_staff(tenant_a, customer, catalogue_a):
    client = tenant_a.client(customer.user)
    with tenant_a.active():
        order = order_create(
            actor=None,
            contact=customer.contact,
            lines=[LineRequest(catalogue_a["bolts"], Decimal(3))],
        )
        Order.objects.filter(pk=order.pk).update(shipping_address="1 Main St, Springfield")
    response = client.post("/portal/profile/erasure/")
    with tenant_a.active():
        request = Ticket.objects.get(contact=customer.contact, kind="erasure")
    assert response["Location"] == f"/portal/support/{request.pk}/"
    twice = client.post("/portal/profile/erasure/", follow=True)
    assert "already asked" in twice.content.decode()

    staff = tenant_a.client(tenant_a.owner())
    assert "erase-now" in staff.get(f"/tickets/{request.pk}/").content.decode()
    rep = tenant_a.client(tenant_a.make_user())
    with tenant_a.active():
        Contact.objects.filter(pk=customer.contact_id).update(
            owner=User.objects.filter(role="sales_rep").first()
        )
    assert rep.post(f"/contacts/{customer.contact_id}/erase/").status_code == 403
    staff.post(f"/contacts/{customer.contact_id}/erase/")

    with tenant_a.active():
        contact = Contact.objects.get(pk=customer.contact_id)
        assert (contact.first_name, contact.emails, contact.phones) == ("Erased", [], [])
        assert contact.is_archived
        assert not Address.objects.filter(contact=contact).exists()
        order.refresh_from_db()
        assert (order.total, order.shipping_address) == (Decimal("31.50"), "")
        assert order.lines.count() == 1
        assert not Interaction.objects.filter(contact=contact).exclude(notes="").exists()
        history = RecordChange.objects.filter(table_name="crm_core_contact", record_id=contact.pk)
        assert "carol" not in json.dumps(list(history.values_list("changes", flat=True))).lower()
        user = User.objects.get(pk=customer.user_id)
        assert not user.is_active
        assert "carol" not in user.email
        assert user.totp_secret == ""
        request.refresh_from_db()
        assert request.status == "resolved"
    signed_out = tenant_a.client().post(
        "/portal/login/", {"username": "carol@client.test", "password": PASSWORD}
    )
    assert signed_out.status_code == 200  # refused


def test_erasure_leaves_nothing_findable_in_search(tenant_a, customer):
    """The search index keeps copies of names, emails, phones and message text: erasure must
    take those too once the queued changes are indexed (the path every change takes)."""
    owner = tenant_a.owner()
    with tenant_a.active():
        ticket_open(
            actor=customer.user,
            contact=customer.contact,
            subject="Xylophone delivery",
            body="Please call me about the marimbaphone parcel",
            source="portal",
        )
        changes_index()
        before = {text: query(text, user=owner).total for text in SECRETS}
        assert all(before.values()), before
    tenant_a.client(owner).post(f"/contacts/{customer.contact_id}/erase/")
    with tenant_a.active():
        changes_index()
        for text in SECRETS:
            assert query(text, user=owner).total == 0, text
        stored = " ".join(
            " ".join(row)
            for row in SearchEntry.objects.values_list("title", "subtitle", "body", "keys")
        ).lower()
        for text in SECRETS:
            assert text.lower() not in stored, text


SECRETS = ("Carol Customer", "carol@client.test", "marimbaphone")
