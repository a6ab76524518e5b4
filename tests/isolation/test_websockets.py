"""Websockets never cross tenants: every route under /ws/, opened by tenant A's users with
tenant B's ids, hears nothing while B's records change, B's deals move and B's people are
notified; and A's session on B's host is refused. A route missing from WS_ROUTES fails."""

from __future__ import annotations

import json
import re

import pytest

from config.asgi import websocket_routes
from crm_core.activities.services import interaction_log
from crm_core.commerce.models import Order
from crm_core.commerce.services import order_status_change
from crm_core.deals.models import Deal
from crm_core.deals.services import deal_move
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Contact
from crm_core.support.models import Ticket
from crm_core.support.services import ticket_open, ticket_reply
from portal.models import CustomerAccount
from tenants.identity.roles import Role
from tests.isolation.test_tenant_routes import secrets_of_b  # noqa: F401 - a fixture
from tests.live import (
    committed,
    communicator,
    in_test_thread,
    nothing_more,
    open_socket,
    refusal,
    run,
    session_cookie,
)
from tests.portal.conftest import make_customer

pytestmark = pytest.mark.django_db

# route name -> which of tenant B's objects fills its path
WS_ROUTES: dict[str, str | None] = {
    "ws-notifications": None,
    "ws-goals": None,
    "ws-deal-board": "pipeline",
    "ws-contact": "contact",
    "ws-company": "company",
    "ws-deal": "deal",
    "ws-import": "import_job",
    "ws-export": "export_job",
    "ws-document-package": "package",
    "ws-search-reindex": None,
    "ws-portal": None,
}


def ws_path(name: str, secrets: dict) -> str:
    route = next(route for route in websocket_routes if route.name == name)
    values = secrets[WS_ROUTES[name]] if WS_ROUTES[name] else {}
    return "/" + re.sub(
        r"<(?:\w+:)?(\w+)>", lambda match: str(values[match.group(1)]), str(route.pattern)
    )


def test_every_websocket_route_is_covered():
    names = {route.name for route in websocket_routes}
    assert names == set(WS_ROUTES), f"WS_ROUTES must list exactly {sorted(names)}"


async def _opening_words(socket, markers: list[str]) -> bool:
    """Read what the socket says on opening (its own tenant's state, none of it B's); True if
    it is still open afterwards."""
    while not await socket.receive_nothing(timeout=0.3):
        output = await socket.receive_output()
        text = json.dumps(output, ensure_ascii=False)
        for marker in markers:
            assert marker not in text
        if output["type"] == "websocket.close":
            return False
    return True


@pytest.mark.parametrize("role", [Role.OWNER, Role.SALES_REP])
def test_sockets_of_a_hear_nothing_of_b(tenant_a, tenant_b, secrets_of_b, role):  # noqa: F811
    user = tenant_a.owner() if role == Role.OWNER else tenant_a.make_user(role)
    owner_b = tenant_b.owner()

    def changes_in_b():
        deal = Deal.objects.get(pk=secrets_of_b["deal"]["pk"])
        deal_move(actor=owner_b, deal=deal, stage=deal.pipeline.stages.all()[1])
        interaction_log(
            actor=owner_b,
            contact=Contact.objects.get(pk=secrets_of_b["contact"]["pk"]),
            data={"channel": "call", "subject": "Zanzibar again"},
        )
        notify(
            recipients=[owner_b],
            kind=Notification.Kind.TASK_ASSIGNED,
            params={"actor": "Beatrice Secretkeeper", "title": "Echidna"},
            url="/tasks/",
        )

    async def scenario():
        session = await in_test_thread(session_cookie)(tenant_a, user)
        opened = []
        for name in WS_ROUTES:
            socket = communicator(
                tenant_a.host, ws_path(name, secrets_of_b), session=session, origin=""
            )
            connected, _ = await socket.connect(timeout=3)
            assert connected
            if await _opening_words(socket, secrets_of_b["markers"]):
                opened.append(socket)
        await committed(tenant_b, changes_in_b, actor=owner_b)
        for socket in opened:
            await nothing_more(socket)

    run(scenario)


def test_a_session_of_a_on_b_host_opens_no_socket(tenant_a, tenant_b, secrets_of_b):  # noqa: F811
    owner_a = tenant_a.owner()

    async def scenario():
        for name in WS_ROUTES:
            path = ws_path(name, secrets_of_b)
            assert await refusal(tenant_a, owner_a, path, tenant_b.host) == 4401, name

    run(scenario)


def test_a_customer_of_a_hears_nothing_of_bs_customers(
    tenant_a,
    tenant_b,
    secrets_of_b,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    customer_a = make_customer(tenant_a, django_capture_on_commit_callbacks, email="al@a.test")
    owner_b = tenant_b.owner()
    with tenant_b.active():
        quenda = CustomerAccount.objects.get(user__email="quenda@beta-client.test").contact
        Order.objects.filter(pk=secrets_of_b["order"]["pk"]).update(contact=quenda)

    def answers_in_b():
        ticket = ticket_open(
            actor=owner_b, contact=quenda, subject="Wallaby parcel", body="x", source="portal"
        )
        ticket_reply(actor=owner_b, ticket=ticket, body="Wallaby answer")
        order = Order.objects.get(pk=secrets_of_b["order"]["pk"])
        order_status_change(actor=owner_b, order=order, status=Order.Status.PLACED)
        return Ticket.objects.count()

    async def scenario():
        socket = await open_socket(tenant_a, customer_a.user, "/ws/portal/")
        assert await committed(tenant_b, answers_in_b, actor=owner_b)
        await nothing_more(socket)
        await socket.disconnect()

    run(scenario)
