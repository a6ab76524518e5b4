"""Rebuilding the search index from the web app: admins only, one at a time, its progress
streamed to the page over a websocket, the starter told when it is done."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from crm_core.parties.services import contact_create
from search.services import REINDEX_STATE
from tenants.identity.roles import Role
from tests.live import (
    committed,
    next_event,
    open_socket,
    refusal,
    run,
)

pytestmark = pytest.mark.django_db


def test_an_admin_rebuilds_the_index_and_watches_it_live(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        for name in ("Anna", "Boris", "Vera"):
            contact_create(actor=owner, data={"first_name": name})
    client = tenant_a.client(owner)

    async def scenario():
        page = await open_socket(tenant_a, owner, "/ws/search/reindex/")
        assert (await next_event(page))["type"] == "job.finished"  # nothing running yet
        bell = await open_socket(tenant_a, owner, "/ws/notifications/")
        await next_event(bell)

        # committed: the job queued after commit runs (Celery is eager in tests)
        response = await committed(tenant_a, lambda: client.post("/search/index/rebuild/"))
        assert response.status_code == 302
        progress = await next_event(page)
        assert progress["type"] == "job.progress"
        assert 0 < progress["done"] <= progress["total"]
        assert (await next_event(page, "job.finished"))["type"] == "job.finished"
        done = await next_event(bell, "notification")
        assert done["text"].startswith("The search index is rebuilt: records indexed: ")
        for socket in (page, bell):
            await socket.disconnect()

    run(scenario)
    body = client.get("/search/index/").content.decode()
    assert "Last rebuilt by Alice Alpha" in body
    assert 'data-testid="reindex"' in body


def test_a_second_rebuild_waits_for_the_running_one(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        cache.set(
            REINDEX_STATE, {"done": 5, "total": 10, "by": "Anna Admin", "beat": time.time()}, 60
        )
    try:
        client = tenant_a.client(owner)
        response = client.post("/search/index/rebuild/", follow=True)
        body = response.content.decode()
        assert "A rebuild is running already" in body
        assert "Rebuilding, started by Anna Admin" in body
        assert 'data-testid="reindex-progress"' in body
    finally:
        with tenant_a.active():
            cache.delete(REINDEX_STATE)


def test_reps_neither_see_nor_start_nor_listen_to_a_rebuild(tenant_a):
    rep = tenant_a.make_user(Role.SALES_REP)
    client = tenant_a.client(rep)
    assert client.get("/search/index/").status_code == 403
    assert client.post("/search/index/rebuild/").status_code == 403

    async def scenario():
        assert await refusal(tenant_a, rep, "/ws/search/reindex/") == 4404

    run(scenario)


def test_a_rebuild_whose_worker_went_silent_does_not_block_the_next(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        lost = {"done": 5, "total": 10, "by": "Anna Admin", "beat": time.time() - 3600}
        cache.set(REINDEX_STATE, lost, 60)
    body = tenant_a.client(owner).get("/search/index/").content.decode()
    assert 'data-testid="reindex"' in body
    assert "Rebuilding" not in body
