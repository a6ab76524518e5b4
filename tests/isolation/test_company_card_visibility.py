"""A company's card, timeline, key figures and live pushes show a reader only what the reader
may see: a sales rep who may open a company sees the company's own entries and those about
its people the rep may see, never a colleague's contact's calls, tasks or deals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.activities.services import interaction_log, task_create
from crm_core.deals.models import Pipeline
from crm_core.deals.services import deal_create
from crm_core.parties.services import company_create, contact_create
from tenants.identity.roles import Role
from tests.live import committed, next_event, open_socket, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_company(tenant_a):
    """A company of rep Bob with two people: Bob's own contact and rep Ann's contact, each
    with a call, a task and a deal of their owner."""
    owner = tenant_a.owner()
    ann = tenant_a.make_user(Role.SALES_REP, full_name="Ann Rep")
    bob = tenant_a.make_user(Role.SALES_REP, full_name="Bob Rep")
    with tenant_a.active():
        company = company_create(actor=owner, data={"name": "Shared Ltd", "owner": bob})
        people = {}
        for rep, name in ((ann, "Hidden"), (bob, "Visible")):
            contact = contact_create(
                actor=owner,
                data={"first_name": name, "last_name": "Person", "company": company, "owner": rep},
            )
            interaction_log(
                actor=rep,
                contact=contact,
                data={"channel": "call", "subject": f"{name} call", "notes": f"{name} notes"},
            )
            task_create(
                actor=owner,
                assignee=rep,
                data={"title": f"{name} task", "due_at": timezone.now(), "contact": contact},
            )
            deal_create(
                actor=owner,
                data={
                    "title": f"{name} deal",
                    "contact": contact,
                    "owner": rep,
                    "amount": Decimal("100"),
                    "pipeline": Pipeline.objects.first(),
                },
            )
            people[name] = contact
    return {"company": company, "ann": ann, "bob": bob, **people}


def test_the_company_card_and_timeline_show_a_rep_only_what_the_rep_may_see(
    tenant_a, shared_company
):
    company = shared_company["company"]
    client = tenant_a.client(shared_company["bob"])
    for url in (f"/companies/{company.pk}/", f"/companies/{company.pk}/timeline/"):
        page = client.get(url).content.decode()
        assert "Visible notes" in page or "Visible call" in page, url
        assert "Visible task" in page, url
        for hidden in ("Hidden call", "Hidden notes", "Hidden task", "Hidden deal"):
            assert hidden not in page, (url, hidden)
    for kind in ("call", "task", "deal"):
        page = client.get(f"/companies/{company.pk}/timeline/?channel={kind}").content.decode()
        assert "Hidden" not in page.replace("Hidden Person", ""), kind
    # the key figures count the one call Bob may read
    card = client.get(f"/companies/{company.pk}/")
    assert card.context["figures"].interactions == 1
    # the owner (all visibility) sees both people's entries
    everything = tenant_a.client(tenant_a.owner()).get(f"/companies/{company.pk}/")
    assert everything.context["figures"].interactions == 2
    assert "Hidden task" in everything.content.decode()


async def no_record_news(page) -> None:
    """Nothing but presence (who else has the page open) reaches the page."""
    while not await page.receive_nothing(timeout=0.3):
        event = await page.receive_json_from()
        assert event["type"] == "presence", event


def test_company_pages_hear_only_of_what_their_reader_may_see(tenant_a, shared_company):
    company, ann, bob = shared_company["company"], shared_company["ann"], shared_company["bob"]
    owner = tenant_a.owner()

    async def scenario():
        bob_page = await open_socket(tenant_a, bob, f"/ws/companies/{company.pk}/")
        owner_page = await open_socket(tenant_a, owner, f"/ws/companies/{company.pk}/")
        # a call about Ann's contact: the owner's page hears it, Bob's does not
        await committed(
            tenant_a,
            lambda: interaction_log(
                actor=ann,
                contact=shared_company["Hidden"],
                data={"channel": "call", "subject": "Another hidden call"},
            ),
            actor=ann,
        )
        assert (await next_event(owner_page, "record.changed"))["part"] == "timeline"
        await no_record_news(bob_page)
        # a deal of Ann's on the company: likewise
        await committed(
            tenant_a,
            lambda: deal_create(
                actor=owner,
                data={"title": "Quiet deal", "company": company, "owner": ann},
            ),
            actor=owner,
        )
        await next_event(owner_page, "record.changed")
        await no_record_news(bob_page)
        # a call about Bob's own contact reaches Bob's page
        await committed(
            tenant_a,
            lambda: interaction_log(
                actor=bob,
                contact=shared_company["Visible"],
                data={"channel": "call", "subject": "Bob's call"},
            ),
            actor=bob,
        )
        pushed = await next_event(bob_page, "record.changed")
        assert "seen_by" not in pushed
        for page in (bob_page, owner_page):
            await page.disconnect()

    run(scenario)
