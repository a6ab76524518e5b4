"""A service that changes a searchable record sends the search drain itself, after its commit:
a contact edit and a deal move are found by their new words within 2 s, with no beat running
(the periodic drain would take up to 30 s). A real Celery worker (a thread of this process, the
Redis broker) runs the drain in the company's schema; the records are committed, and removed
afterwards."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from crm_core.deals.models import Deal, Pipeline
from crm_core.deals.services import deal_create, deal_move
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_create, contact_update
from search import selectors
from search.services import changes_index
from tests.conftest import tenant_handle

DEADLINE = 2.0


def found_within(deadline: float, text: str, user, check) -> bool:
    """Whether a search for `text` shows a hit passing `check` before `deadline` seconds pass."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if any(check(hit) for hit in selectors.query(text, user=user).hits):
            return True
        time.sleep(0.05)
    return False


def in_own_thread(function):
    """Run `function` on a thread of its own, with its own database connection: once the
    browser tests' Playwright has run in this process, the main thread counts as async."""

    def call():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


@pytest.fixture
def alpha_committed(worker, django_db_blocker, settings):
    """Alpha's schema, with what the test writes committed (the worker reads it on its own
    connection) and removed afterwards."""
    settings.ELASTICSEARCH_URL = ""
    selectors._elastic.cache_clear()
    made: list = []
    with django_db_blocker.unblock():
        handle = in_own_thread(lambda: tenant_handle("alpha"))
        yield handle, made

        def cleanup() -> None:
            with handle.active():
                for record in reversed(made):
                    type(record).objects.filter(pk=record.pk).delete()
                changes_index()

        in_own_thread(cleanup)
    selectors._elastic.cache_clear()


def test_a_contact_edit_and_a_deal_move_are_searchable_within_two_seconds(alpha_committed):
    handle, made = alpha_committed

    def scenario() -> None:
        with handle.active():
            edit_and_move(handle.owner(), made)

    in_own_thread(scenario)


def edit_and_move(owner, made: list) -> None:
    with transaction.atomic():
        contact = contact_create(actor=owner, data={"first_name": "Quillon", "last_name": "Brask"})
        made.append(contact)
    with transaction.atomic():
        stages = list(Pipeline.objects.get().stages.all())
        deal = deal_create(actor=owner, data={"title": "Vorpal steel", "contact": contact})
        made.append(deal)
    assert found_within(DEADLINE, "Brask", owner, lambda hit: hit.object_id == contact.pk)

    with transaction.atomic():
        contact_update(
            actor=owner,
            contact=Contact.objects.get(pk=contact.pk),
            data={"last_name": "Zephyrine"},
            expected_version=None,
        )
    assert found_within(
        DEADLINE,
        "Zephyrine",
        owner,
        lambda hit: hit.kind == "contact" and hit.object_id == contact.pk,
    )

    qualified = next(stage for stage in stages if stage.name == "Qualified")
    with transaction.atomic():
        deal_move(actor=owner, deal=Deal.objects.get(pk=deal.pk), stage=qualified)
    assert found_within(
        DEADLINE,
        "Vorpal",
        owner,
        lambda hit: hit.object_id == deal.pk and hit.subtitle.startswith("Qualified"),
    )
