"""Live pushes of the CRM over real websockets (Channels' WebsocketCommunicator, the ASGI app,
the Redis channel layer): the bell, the deal board, a record's page with presence, an import's
progress. Each push is checked to reach who may see the thing, and nobody else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crm_core.activities.services import interaction_log, task_create
from crm_core.deals.models import Pipeline
from crm_core.deals.services import deal_create, deal_move
from crm_core.jobs import exports as export_services
from crm_core.jobs.imports import import_check, import_mapping_set, import_upload
from crm_core.jobs.imports import staging as import_staging
from crm_core.notifications.models import Notification
from crm_core.parties.services import contact_create, contact_update
from tenants.identity.models import Team, User
from tenants.identity.roles import Role
from tests.live import (
    committed,
    in_test_thread,
    next_event,
    nothing_more,
    open_socket,
    refusal,
    run,
)

pytestmark = pytest.mark.django_db


def _on_team(tenant, user: User, team_name: str) -> User:
    with tenant.active():
        team, _ = Team.objects.get_or_create(name=team_name)
        User.objects.filter(pk=user.pk).update(team=team)
        return User.objects.select_related("team").get(pk=user.pk)


def test_a_task_assigned_by_a_colleague_rings_the_assignees_bell_only(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    other = tenant_a.make_user(Role.SALES_REP)

    async def scenario():
        rep_bell = await open_socket(tenant_a, rep, "/ws/notifications/")
        other_bell = await open_socket(tenant_a, other, "/ws/notifications/")
        assert (await next_event(rep_bell))["unread"] == 0
        await next_event(other_bell)

        task = await committed(
            tenant_a,
            lambda: task_create(
                actor=owner,
                assignee=rep,
                data={"title": "Call Petrov back", "due_at": timezone.now()},
            ),
        )
        pushed = await next_event(rep_bell, "notification")
        assert pushed["unread"] == 1
        assert pushed["text"] == "Alice Alpha assigned you a task: Call Petrov back"
        assert pushed["icon"] == "bi-check2-square"
        assert pushed["url"].endswith("/open/")
        await nothing_more(other_bell)

        # the owner assigning a task to themselves is not news to anyone
        await committed(
            tenant_a,
            lambda: task_create(actor=owner, data={"title": "Mine", "due_at": timezone.now()}),
        )
        await nothing_more(rep_bell)
        for socket in (rep_bell, other_bell):
            await socket.disconnect()
        return task

    run(scenario)
    with tenant_a.active():
        notification = Notification.objects.get(recipient=rep)
        assert notification.kind == Notification.Kind.TASK_ASSIGNED
        assert not Notification.objects.filter(recipient=owner).exists()


def test_reading_in_one_tab_updates_the_bell_in_the_others(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        task_create(actor=owner, assignee=rep, data={"title": "T", "due_at": timezone.now()})

    async def scenario():
        bell = await open_socket(tenant_a, rep, "/ws/notifications/")
        assert (await next_event(bell))["unread"] == 1
        client = await in_test_thread(tenant_a.client)(rep)
        response = await committed(tenant_a, lambda: client.post("/notifications/read/"))
        assert response.status_code == 302
        assert await next_event(bell, "notifications") == {"type": "notifications", "unread": 0}
        await bell.disconnect()

    run(scenario)


def test_the_board_push_reaches_those_who_see_the_deal_and_nobody_else(tenant_a):
    owner = tenant_a.owner()
    rep = _on_team(tenant_a, tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep"), "North")
    head = _on_team(tenant_a, tenant_a.make_user(Role.SALES_HEAD), "North")
    stranger = _on_team(tenant_a, tenant_a.make_user(Role.SALES_REP), "South")
    with tenant_a.active():
        pipeline = Pipeline.objects.first()
        stages = list(pipeline.stages.all())
        contact = contact_create(actor=rep, data={"first_name": "Ivan"})
        deal = deal_create(
            actor=rep,
            data={"title": "Boiler", "contact": contact, "amount": Decimal(10)},
        )
    path = f"/ws/deals/board/{pipeline.pk}/"

    async def scenario():
        sockets = {
            user.full_name: await open_socket(tenant_a, user, path)
            for user in (owner, rep, head, stranger)
        }
        rep_bell = await open_socket(tenant_a, rep, "/ws/notifications/")
        await next_event(rep_bell)

        await committed(
            tenant_a, lambda: deal_move(actor=owner, deal=deal, stage=stages[1]), actor=owner
        )
        seen = {}
        for name in (owner.full_name, rep.full_name, head.full_name):
            event = await next_event(sockets[name], "deal.changed")
            assert (event["deal"], event["stage"], event["by"]) == (
                deal.pk,
                stages[1].pk,
                "Alice Alpha",
            )
            seen[name] = event["id"]
        assert len(set(seen.values())) == 1  # one change, one id: pages drop the repeats
        await nothing_more(sockets[stranger.full_name])

        # the rep's own deal, moved by someone else: a notification too
        pushed = await next_event(rep_bell, "notification")
        assert pushed["text"] == f"Alice Alpha moved your deal Boiler to {stages[1].name}"
        for socket in [*sockets.values(), rep_bell]:
            await socket.disconnect()

    run(scenario)


def test_a_board_of_a_pipeline_that_does_not_exist_is_refused(tenant_a):
    owner = tenant_a.owner()

    async def scenario():
        assert await refusal(tenant_a, owner, "/ws/deals/board/999999/") == 4404

    run(scenario)


def test_a_contact_page_shows_who_else_is_there_and_what_they_change(tenant_a):
    owner = tenant_a.owner()
    admin = tenant_a.make_user(Role.ADMIN, full_name="Anna Admin")
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        contact = contact_create(actor=owner, data={"first_name": "Olga", "last_name": "Orlova"})
    path = f"/ws/contacts/{contact.pk}/"

    async def scenario():
        anna = await open_socket(tenant_a, admin, path)
        alice = await open_socket(tenant_a, owner, f"{path}?state=editing")
        assert await next_event(anna, "presence") == {
            "type": "presence",
            "user": owner.pk,
            "name": "Alice Alpha",
            "state": "editing",
        }
        # the newcomer learns who was there already
        assert (await next_event(alice, "presence"))["name"] == "Anna Admin"

        await committed(
            tenant_a,
            lambda: interaction_log(
                actor=owner, contact=contact, data={"channel": "call", "subject": "Hi"}
            ),
        )
        for socket in (anna, alice):
            event = await next_event(socket, "record.changed")
            assert event["part"] == "timeline"

        def edit():
            fresh = type(contact).objects.get(pk=contact.pk)
            return contact_update(
                actor=owner, contact=fresh, data={"position": "CEO"}, expected_version=None
            )

        await committed(tenant_a, edit, actor=owner)
        changed = await next_event(anna, "record.changed")
        assert (changed["part"], changed["by"]) == ("record", "Alice Alpha")
        await nothing_more(alice)  # the editor is not told of their own save

        await alice.disconnect()
        left = await next_event(anna, "presence")
        assert (left["user"], left["state"]) == (owner.pk, "left")
        await anna.disconnect()

        # a rep who may not open the contact cannot listen to it either
        assert await refusal(tenant_a, rep, path) == 4404

    run(scenario)


def test_an_import_streams_its_progress_to_its_page_and_tells_its_starter(tenant_a, monkeypatch):
    monkeypatch.setattr(import_staging, "PROGRESS_EVERY", 2)
    owner = tenant_a.owner()
    rows = "".join(f"Name{i},name{i}@example.test\n" for i in range(5))
    with tenant_a.active():
        job = import_upload(
            actor=owner,
            kind="contact",
            upload=SimpleUploadedFile("people.csv", f"First name,Email\n{rows}".encode()),
        )
        import_mapping_set(job=job, mapping=job.mapping)

    async def scenario():
        page = await open_socket(tenant_a, owner, f"/ws/imports/{job.pk}/")
        bell = await open_socket(tenant_a, owner, "/ws/notifications/")
        await next_event(bell)
        await nothing_more(page)  # the check is queued: nothing to say yet

        await committed(tenant_a, lambda: import_check(job=job))
        assert [(await next_event(page))["done"] for _ in range(2)] == [2, 4]
        assert (await next_event(page))["type"] == "job.finished"
        pushed = await next_event(bell, "notification")
        assert pushed["text"] == (
            "The check of people.csv is finished: 5 rows to create, 0 with errors"
        )
        # a page opened after the end hears of it at once (it may still show the progress bar)
        late = await open_socket(tenant_a, owner, f"/ws/imports/{job.pk}/")
        assert (await next_event(late))["type"] == "job.finished"
        for socket in (page, bell, late):
            await socket.disconnect()

    run(scenario)


def test_an_export_streams_its_progress_to_its_page_and_links_its_file(tenant_a, monkeypatch):
    monkeypatch.setattr(export_services, "PROGRESS_EVERY", 0)
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        for index in range(3):
            contact_create(actor=owner, data={"first_name": f"Name{index}"})
        job = export_services.export_start(actor=owner, kind="contact", file_format="csv", query="")

    async def scenario():
        # only whoever asked may watch (and download): the file holds what *they* see
        assert await refusal(tenant_a, rep, f"/ws/exports/{job.pk}/") == 4404
        page = await open_socket(tenant_a, owner, f"/ws/exports/{job.pk}/")
        bell = await open_socket(tenant_a, owner, "/ws/notifications/")
        await next_event(bell)
        await nothing_more(page)  # queued: nothing to say yet

        await committed(tenant_a, lambda: export_services.export_run(job=job))
        assert [(await next_event(page))["done"] for _ in range(2)] == [1, 2]
        assert (await next_event(page, "job.finished"))["status"] == "done"
        pushed = await next_event(bell, "notification")
        assert pushed["text"].startswith("Your export contacts-")
        assert pushed["text"].endswith(".csv is ready to download: rows: 3")
        late = await open_socket(tenant_a, owner, f"/ws/exports/{job.pk}/")
        assert (await next_event(late))["type"] == "job.finished"
        for socket in (page, bell, late):
            await socket.disconnect()

    run(scenario)


def test_a_notification_reads_in_the_recipients_language_not_the_senders(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        User.objects.filter(pk=rep.pk).update(language="ru")
        rep.refresh_from_db()

    async def scenario():
        bell = await open_socket(tenant_a, rep, "/ws/notifications/")
        await next_event(bell)
        await committed(
            tenant_a,
            lambda: task_create(
                actor=owner, assignee=rep, data={"title": "Счёт", "due_at": timezone.now()}
            ),
        )
        pushed = await next_event(bell, "notification")
        assert pushed["text"] == "Alice Alpha поручил(а) вам задачу: Счёт"
        await bell.disconnect()

    run(scenario)
