"""The home page of each role (issue 23): the user's own tasks, open deals (or requests, for
support) and recent clients; the workspace's seats and set-up only for owners and admins."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm_core.activities.services import task_create
from crm_core.deals.services import deal_create
from crm_core.parties.services import contact_create
from crm_core.support.services import ticket_open
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def test_a_rep_sees_their_own_work_and_no_workspace_figures(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    other = tenant_a.make_user(Role.SALES_REP, full_name="Oleg Other")
    with tenant_a.active():
        mine = contact_create(actor=rep, data={"first_name": "Mira"})
        contact_create(actor=other, data={"first_name": "Notmine"})
        task_create(
            actor=rep, data={"title": "Call Mira", "due_at": timezone.now() - timedelta(hours=1)}
        )
        deal_create(actor=rep, data={"title": "Mira's order", "contact": mine})
        deal_create(actor=other, data={"title": "Other's order"})
    page = tenant_a.client(rep).get("/").content.decode()
    assert "Call Mira" in page
    assert "Mira&#x27;s order" in page
    assert "Other&#x27;s order" not in page
    assert ">Mira</a>" in page
    assert "Notmine" not in page
    assert 'data-testid="stat-seats"' not in page
    assert 'data-testid="home-tickets"' not in page


def test_support_sees_its_requests_and_an_owner_the_workspace(tenant_a):
    agent = tenant_a.make_user(Role.SUPPORT, full_name="Sam Support")
    owner = tenant_a.owner()
    with tenant_a.active():
        client_contact = contact_create(actor=owner, data={"first_name": "Kim"})
        ticket = ticket_open(actor=owner, contact=client_contact, subject="Broken lid", body="!")
        ticket.assignee = agent
        ticket.save(update_fields=["assignee"])
    page = tenant_a.client(agent).get("/").content.decode()
    assert "Broken lid" in page
    assert 'data-testid="home-deals"' not in page
    owner_page = tenant_a.client(owner).get("/").content.decode()
    assert 'data-testid="stat-seats"' in owner_page
    assert 'data-testid="home-deals"' in owner_page


def test_the_home_page_in_russian(tenant_a):
    page = tenant_a.client(tenant_a.owner(), HTTP_ACCEPT_LANGUAGE="ru").get("/").content.decode()
    assert "Мои задачи" in page
    assert "Мои открытые сделки" in page


def test_menus_offer_what_the_role_may_use(tenant_a):
    """A marketer or support agent is not offered creating contacts or importing them, and the
    page refuses it, saying why."""
    for role in (Role.MARKETER, Role.SUPPORT):
        client = tenant_a.client(tenant_a.make_user(role))
        page = client.get("/contacts/").content.decode()
        assert 'data-testid="new-contact"' not in page
        assert 'data-testid="import"' not in page
        assert 'data-testid="new-order"' not in client.get("/orders/").content.decode()
        refused = client.get("/contacts/new/")
        assert refused.status_code == 403
        assert "Your role cannot create these records." in refused.content.decode()
    rep = tenant_a.client(tenant_a.make_user(Role.SALES_REP)).get("/contacts/").content.decode()
    assert 'data-testid="new-contact"' in rep
