"""Activity control: calls, meetings, emails, tasks done and overdue per person for a day or a
week; open deals with no activity for N days and clients with no contact for N days, each list
acted on (reassign, a task for each) by a manager; a rep sees only their own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.activities.models import Interaction, Task
from crm_core.activities.services import interaction_log, task_complete, task_create
from crm_core.deals.models import Deal, PipelineStage
from crm_core.deals.services import deal_create
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet(tenant_a):
    owner = tenant_a.owner()
    rita = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    rob = tenant_a.make_user(Role.SALES_REP, full_name="Rob Rep")
    now = timezone.now()
    with tenant_a.active():
        old = now - timedelta(days=30)
        silent = contact_create(actor=rita, data={"first_name": "Silent"})
        talked = contact_create(actor=rita, data={"first_name": "Talked"})
        Contact.objects.filter(pk__in=[silent.pk, talked.pk]).update(created_at=old)
        for channel in ("call", "call", "meeting", "email"):
            interaction_log(actor=rita, contact=talked, data={"channel": channel, "subject": "x"})
        interaction_log(actor=rob, contact=talked, data={"channel": "call", "subject": "y"})
        stage = PipelineStage.objects.filter(is_won=False, is_lost=False).first()
        stale = deal_create(
            actor=rita,
            data={
                "title": "Stale boilers",
                "contact": silent,
                "stage": stage,
                "amount": Decimal(9),
            },
        )
        alive = deal_create(
            actor=rita,
            data={"title": "Alive pumps", "contact": talked, "stage": stage, "amount": Decimal(9)},
        )
        Deal.objects.filter(pk__in=[stale.pk, alive.pk]).update(stage_entered_at=old)
        done = task_create(actor=rita, data={"title": "Done", "due_at": now})
        task_complete(task=done)
        task_create(actor=rita, data={"title": "Late", "due_at": now - timedelta(minutes=5)})
    return owner, rita, rob, silent, talked, stale, alive


def test_the_grid_counts_each_persons_activity_for_the_week(tenant_a, quiet):
    owner, rita, rob, *_ = quiet
    page = tenant_a.client(owner).get("/goals/activity/?grain=week").content.decode()
    row = page[page.index(f'data-testid="activity-{rita.pk}"') :].split("</tr>")[0]
    cells = [part.split("</a>")[0].rsplit(">", 1)[1] for part in row.split("<a ")[1:]]
    assert cells == ["2", "1", "1", "1", "1"]  # calls, meetings, emails, tasks done, overdue
    assert "/analytics/metrics/calls/?from=" in row
    rob_row = page[page.index(f'data-testid="activity-{rob.pk}"') :].split("</tr>")[0]
    assert ">1</a>" in rob_row
    # a rep's grid holds only their own row
    page = tenant_a.client(rob).get("/goals/activity/").content.decode()
    assert f'data-testid="activity-{rob.pk}"' in page
    assert f'data-testid="activity-{rita.pk}"' not in page


def test_quiet_deals_and_clients_are_listed_and_acted_on(tenant_a, quiet):
    owner, rita, rob, silent, talked, stale, alive = quiet
    client = tenant_a.client(owner)
    page = client.get("/goals/activity/?days=14").content.decode()
    deals = page[page.index('data-testid="quiet-deals"') :].split("</form>")[0]
    assert "Stale boilers" in deals
    assert "Alive pumps" not in deals  # its client was called today
    clients = page[page.index('data-testid="quiet-contacts"') :].split("</form>")[0]
    assert "Silent" in clients
    assert "Talked" not in clients
    # a task for each quiet client, for its owner; a missing title keeps everything as it was
    refused = client.post(
        "/goals/activity/act/",
        {"kind": "contact", "ids": [silent.pk], "action": "task", "title": "", "due": "2026-12-20"},
        follow=True,
    )
    assert "What is the task?" in refused.content.decode()
    with tenant_a.active():
        assert not Task.objects.filter(contact=silent).exists()
    client.post(
        "/goals/activity/act/",
        {
            "kind": "contact",
            "ids": [silent.pk],
            "action": "task",
            "title": "Call back",
            "due": "2026-12-20",
        },
    )
    with tenant_a.active():
        task = Task.objects.get(contact=silent)
        assert (task.title, task.assignee) == ("Call back", rita)
    # the stale deal goes to Rob
    response = client.post(
        "/goals/activity/act/",
        {"kind": "deal", "ids": [stale.pk], "action": "reassign", "owner": rob.pk},
        follow=True,
    )
    assert "1 record done." in response.content.decode()
    with tenant_a.active():
        assert Deal.objects.get(pk=stale.pk).owner == rob
        assert Deal.objects.get(pk=alive.pk).owner == rita


def test_a_rep_sees_only_their_quiet_records_and_does_not_reassign(tenant_a, quiet):
    owner, rita, rob, silent, talked, stale, alive = quiet
    client = tenant_a.client(rob)
    page = client.get("/goals/activity/").content.decode()
    assert "Stale boilers" not in page
    assert "Silent" not in page
    response = client.post(
        "/goals/activity/act/",
        {"kind": "deal", "ids": [stale.pk], "action": "reassign", "owner": rob.pk},
    )
    assert response.status_code in (302, 403)
    with tenant_a.active():
        assert Deal.objects.get(pk=stale.pk).owner == rita
    rita_page = tenant_a.client(rita).get("/goals/activity/").content.decode()
    assert "Stale boilers" in rita_page
    assert 'data-testid="deal-reassign"' not in rita_page
    with tenant_a.active():
        assert Interaction.objects.count() == 5
