"""/ws/portal/: a customer's open portal pages hear of staff answers to their requests and of
their orders' steps, through the real ASGI app and Redis channel layer; another customer (of
the same company or another) hears nothing, and staff cannot open the customer's socket."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_core.commerce.models import Order
from crm_core.commerce.services import LineRequest, order_create, order_status_change
from crm_core.support.services import ticket_open, ticket_reply
from tenants.identity.roles import Role
from tests.live import (
    committed,
    next_event,
    nothing_more,
    open_socket,
    refusal,
    run,
)
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(tenant_a, django_capture_on_commit_callbacks):
    return make_customer(tenant_a, django_capture_on_commit_callbacks, email="nick@client.test")


def test_a_customer_hears_answers_and_order_steps_and_nobody_elses(
    tenant_a, customer, neighbour, catalogue_a
):
    owner = tenant_a.owner()

    def open_request_and_order():
        ticket = ticket_open(
            actor=customer.user,
            contact=customer.contact,
            subject="Where is it",
            body="Still waiting",
            source="portal",
        )
        order = order_create(
            actor=customer.user,
            contact=customer.contact,
            lines=[LineRequest(catalogue_a["bolts"], Decimal(1))],
        )
        return ticket, order

    async def scenario():
        ticket, order = await committed(tenant_a, open_request_and_order, actor=customer.user)
        mine = await open_socket(tenant_a, customer.user, "/ws/portal/")
        theirs = await open_socket(tenant_a, neighbour.user, "/ws/portal/")

        await committed(
            tenant_a,
            lambda: ticket_reply(actor=owner, ticket=ticket, body="It ships today"),
            actor=owner,
        )
        event = await next_event(mine, "ticket.reply")
        assert (event["ticket"], event["number"]) == (ticket.pk, ticket.number)
        assert event["url"] == f"/portal/support/{ticket.pk}/"
        assert "It ships today" not in str(event)  # the page fetches the text over HTTP

        await committed(
            tenant_a,
            lambda: order_status_change(actor=owner, order=order, status=Order.Status.PLACED),
            actor=owner,
        )
        event = await next_event(mine, "order.status")
        assert (event["order"], event["status"]) == (order.pk, "placed")

        # an internal note is no answer to the customer
        await committed(
            tenant_a,
            lambda: ticket_reply(actor=owner, ticket=ticket, body="note", internal=True),
            actor=owner,
        )
        await nothing_more(mine)
        await nothing_more(theirs)
        await mine.disconnect()
        await theirs.disconnect()

    run(scenario)


def test_staff_and_strangers_cannot_open_the_customers_socket(tenant_a, tenant_b, customer):
    owner, rep = tenant_a.owner(), tenant_a.make_user(Role.SALES_REP)

    async def scenario():
        assert await refusal(tenant_a, owner, "/ws/portal/") == 4403
        assert await refusal(tenant_a, rep, "/ws/portal/") == 4403
        # the customer's session means nothing on another company's host
        assert await refusal(tenant_a, customer.user, "/ws/portal/", tenant_b.host) == 4401

    run(scenario)
