from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from crm_core.activities.models import Task
from crm_core.activities.services import birthday_tasks_create, task_create, task_reminders_send
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role
from tenants.links import tenant_url

pytestmark = pytest.mark.django_db


def test_an_inbound_call_creates_a_follow_up_task_for_the_responsible_manager(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        contact = contact_create(actor=rep, data={"first_name": "Caller"})
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = tenant_a.client(owner).post(
        f"/contacts/{contact.pk}/interactions/",
        {
            "channel": "call",
            "direction": "inbound",
            "subject": "Wants a quote",
            "follow_up_at": when,
        },
        follow=True,
    )
    assert f"Follow-up task for {rep.full_name} created." in response.content.decode()
    with tenant_a.active():
        task = Task.objects.get(contact=contact)
        assert task.assignee == rep
        assert task.title == "Follow up: Wants a quote"
        assert task.remind_at == task.due_at - timedelta(minutes=30)
    rep_page = tenant_a.client(rep).get("/tasks/").content.decode()
    assert "Follow up: Wants a quote" in rep_page


def test_my_tasks_groups_and_the_sidebar_badge(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    now = timezone.now()
    with tenant_a.active():
        for title, due in (("Late", now - timedelta(hours=2)), ("Later", now + timedelta(days=3))):
            task_create(actor=rep, data={"title": title, "due_at": due})
    client = tenant_a.client(rep)
    page = client.get("/tasks/").content.decode()
    assert page.index("Late") < page.index("Later")
    assert 'data-testid="tasks-due">1<' in page
    with tenant_a.active():
        late = Task.objects.get(title="Late")
    client.post(f"/tasks/{late.pk}/complete/", {"next": "/tasks/"})
    assert 'data-testid="tasks-due"' not in client.get("/tasks/").content.decode()


def test_reminders_are_emailed_once(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    now = timezone.now()
    with tenant_a.active():
        task_create(
            actor=rep,
            data={
                "title": "Call back",
                "due_at": now + timedelta(hours=1),
                "remind_at": now - timedelta(minutes=1),
            },
        )
        task_create(
            actor=rep,
            data={
                "title": "Not yet",
                "due_at": now + timedelta(days=2),
                "remind_at": now + timedelta(days=1),
            },
        )
        assert task_reminders_send() == 1
        assert task_reminders_send() == 0
    assert [message.subject for message in mail.outbox] == ["Reminder: Call back"]
    assert mail.outbox[0].to == [rep.email]
    with tenant_a.active():
        task = Task.objects.get(title="Call back")
        link = tenant_url(f"/tasks/{task.pk}/")
    assert f"The task: {link}" in mail.outbox[0].body


def test_vip_birthdays_become_tasks_once(tenant_a):
    owner = tenant_a.owner()
    today = date(2026, 11, 23)
    with tenant_a.active():
        contact_create(
            actor=owner, data={"first_name": "Vera", "is_vip": True, "birthday": date(1980, 11, 25)}
        )
        contact_create(actor=owner, data={"first_name": "Ordinary", "birthday": date(1980, 11, 24)})
        assert birthday_tasks_create(today=today) == 1
        assert birthday_tasks_create(today=today) == 0
        task = Task.objects.get()
        assert task.title == "Congratulate Vera on their birthday"
        assert task.due_at.date() == date(2026, 11, 25)


def test_task_input_errors_and_visibility(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    client = tenant_a.client(rep)
    bad = client.post(
        "/api/v1/tasks/", {"title": "", "due_at": "soon"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"title", "due_at"}
    now = timezone.now()
    late_reminder = client.post(
        "/api/v1/tasks/",
        {
            "title": "x",
            "due_at": now.isoformat(),
            "remind_at": (now + timedelta(hours=1)).isoformat(),
        },
        content_type="application/json",
    )
    assert late_reminder.json() == {"remind_at": ["Remind before the task is due."]}
    with tenant_a.active():
        hidden = task_create(actor=owner, data={"title": "Owner's", "due_at": now})
    assert client.get(f"/api/v1/tasks/{hidden.pk}/").status_code == 404
    assert client.post(f"/tasks/{hidden.pk}/complete/").status_code == 404
    mine = client.post(
        "/api/v1/tasks/",
        {"title": "Mine", "due_at": now.isoformat()},
        content_type="application/json",
    ).json()
    done = client.post(f"/api/v1/tasks/{mine['id']}/complete/")
    assert done.json()["done_at"] is not None
    assert [row["title"] for row in client.get("/api/v1/tasks/?done=false").json()["results"]] == []


def test_a_reminder_reads_in_its_readers_language_and_links_the_client(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    now = timezone.now()
    with tenant_a.active():
        rep.language = "ru"
        rep.save(update_fields=["language"])
        client = contact_create(actor=rep, data={"first_name": "Ирина", "last_name": "Клиент"})
        task_create(
            actor=rep,
            data={
                "title": "Перезвонить",
                "due_at": now + timedelta(hours=1),
                "remind_at": now - timedelta(minutes=1),
                "contact": client,
            },
        )
        mail.outbox = []
        assert task_reminders_send() == 1
        card = tenant_url(f"/contacts/{client.pk}/")
    body = mail.outbox[0].body
    assert body.startswith("Срок: ")
    assert "— Ирина Клиент" in body
    assert f"Карточка: {card}" in body
