"""The PostgreSQL backend's lexicon and its two ways of looking: every match through the GIN
index when the words are rare, the newest matches in date order when the lexicon says they are
common. The thresholds are lowered here so that a few records take the path a million do
(bench/search.py measures them at full size)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from crm_core.activities.services import interaction_log
from crm_core.parties.services import contact_create
from search.backends import postgres
from search.lexicon import lexicon_is_stale, lexicon_rebuild
from search.models import SearchLexicon, SearchWord
from search.selectors import query
from search.services import changes_index, drift_repair
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def calls(actor, contact, notes: str, count: int, *, days_ago: int = 0) -> list[int]:
    """`count` calls with `notes`, a minute apart, the first the newest; their ids."""
    now = timezone.now() - timedelta(days=days_ago)
    ids = []
    for index in range(count):
        logged = interaction_log(
            actor=actor,
            contact=contact,
            data={
                "channel": "call",
                "subject": f"Звонок {index}",
                "notes": notes,
                "occurred_at": now - timedelta(minutes=index),
            },
        )
        ids.append(logged.interaction.pk)
    return ids


def contact_with_calls(actor, last_name: str, notes: str, count: int) -> list[int]:
    """A contact of `actor` with `count` calls, indexed and counted in the lexicon."""
    contact = contact_create(actor=actor, data={"first_name": "Анна", "last_name": last_name})
    ids = calls(actor, contact, notes, count)
    changes_index()
    lexicon_rebuild()
    return ids


def test_the_lexicon_counts_the_words_of_every_entry(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        anna = contact_create(
            actor=owner,
            data={
                "first_name": "Анна",
                "last_name": "Кузнецова",
                "emails": ["anna.kuz@severstal.test"],
            },
        )
        calls(owner, anna, "Арматура на склад", 3)
        changes_index()
        words = lexicon_rebuild()
        assert words == SearchWord.objects.count() > 0
        counts = {word.word: (word.parties, word.records) for word in SearchWord.objects.all()}
        assert counts["кузнецова"][0] == 1  # the contact
        assert counts["кузнецова"][1] == 0  # the calls show their contact's name, not as words
        assert counts["арматура"] == (0, 3)
        # an email is split at its digits and punctuation into words of letters
        assert {"anna", "kuz", "severstal"} <= counts.keys()
        assert not any(char.isdigit() for word in counts for char in word)
        assert lexicon_is_stale() is False


def test_the_periodic_repair_rebuilds_a_stale_lexicon(tenant_a, monkeypatch):
    owner = tenant_a.owner()
    with tenant_a.active():
        with connection.cursor() as cursor:  # as autovacuum may have, while it was empty
            cursor.execute("ANALYZE search_entry")
        anna = contact_create(actor=owner, data={"first_name": "Анна", "last_name": "Орлова"})
        calls(owner, anna, "Поставка", 2)
        changes_index()
        SearchWord.objects.all().delete()
        assert lexicon_is_stale()  # never built, entries exist
        monkeypatch.setattr("search.lexicon._entries_estimate", lambda cursor: 3)
        drift_repair()
        assert SearchLexicon.objects.get().entries == 3
        assert SearchWord.objects.get(word="поставка").records == 2
        assert lexicon_is_stale() is False
        # a tenth more entries (and at least a thousand) make it stale again
        monkeypatch.setattr("search.lexicon._entries_estimate", lambda cursor: 2000)
        assert lexicon_is_stale()


def test_a_common_word_gives_its_newest_matches_first(tenant_a, monkeypatch):
    owner = tenant_a.owner()
    with tenant_a.active():
        newest_first = contact_with_calls(owner, "Волкова", "Согласовали отгрузку арматуры", 30)
        monkeypatch.setattr(postgres, "COMMON", 10)
        monkeypatch.setattr(postgres, "SAMPLE", 5)  # a page and one more are read all the same
        results = query("отгрузку", user=owner)
        assert [hit.object_id for hit in results.hits] == newest_first[:20]
        assert results.has_next
        assert results.total_is_capped  # the newest 21 of 30 were read, not all
        assert results.total == 21
        assert dict(results.facets["kind"]) == {"interaction": 21}
        second = query("отгрузку", user=owner, page=2)
        assert [hit.object_id for hit in second.hits] == newest_first[20:30]
        assert not second.has_next
        # the same words counted as rare give every match, ranked
        monkeypatch.setattr(postgres, "COMMON", 10_000)
        every = query("отгрузку", user=owner)
        assert every.total == 30
        assert not every.total_is_capped


def test_a_common_word_found_in_few_entries_is_given_whole(tenant_a, monkeypatch):
    """When the newest read sees every entry in scope, what it found is all there is."""
    owner = tenant_a.owner()
    with tenant_a.active():
        ids = contact_with_calls(owner, "Зайцева", "Счёт на оплату", 4)
        monkeypatch.setattr(postgres, "COMMON", 2)
        results = query("оплату", user=owner)
        assert sorted(hit.object_id for hit in results.hits) == sorted(ids)
        assert results.total == 4
        assert not results.total_is_capped


def test_a_word_rarer_than_counted_is_still_found_through_its_index(tenant_a, monkeypatch):
    """The newest SCAN entries hold no match: the GIN index answers, and the old call is
    found."""
    owner = tenant_a.owner()
    with tenant_a.active():
        anna = contact_create(actor=owner, data={"first_name": "Анна", "last_name": "Лебедева"})
        (old,) = calls(owner, anna, "Рекламация по стеллажам", 1, days_ago=400)
        calls(owner, anna, "Обычный звонок", 8)
        changes_index()
        lexicon_rebuild()
        monkeypatch.setattr(postgres, "COMMON", 1)
        monkeypatch.setattr(postgres, "SCAN", 5)
        results = query("рекламация", user=owner)
        assert [hit.object_id for hit in results.hits] == [old]
        assert not results.total_is_capped


def test_a_sales_rep_reads_only_their_own_newest_matches(tenant_a, monkeypatch):
    owner = tenant_a.owner()
    with tenant_a.active():
        rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
        own = contact_with_calls(rep, "Морозов", "Демонстрация склада", 3)
        contact_with_calls(owner, "Соколов", "Демонстрация склада", 25)
        monkeypatch.setattr(postgres, "COMMON", 5)
        monkeypatch.setattr(postgres, "SAMPLE", 5)
        results = query("демонстрация", user=rep)
        assert sorted(hit.object_id for hit in results.hits) == sorted(own)
        assert results.total == 3
        assert {owner_id for owner_id, _count in results.facets["owner_id"]} == {rep.pk}


def test_a_misspelt_word_of_a_note_is_corrected_from_the_lexicon(tenant_a):
    """Names and titles are corrected as soon as they are indexed (the contract tests), the
    other words once the lexicon was rebuilt."""
    owner = tenant_a.owner()
    with tenant_a.active():
        anna = contact_create(actor=owner, data={"first_name": "Анна", "last_name": "Павлова"})
        (call,) = calls(owner, anna, "Обсудили стеллажи для склада", 1)
        changes_index()  # names and titles enter the lexicon at once, notes with a rebuild
        assert query("стелажи", user=owner).hits == []
        lexicon_rebuild()
        hits = query("стелажи", user=owner).hits
        assert ("interaction", call) in [(hit.kind, hit.object_id) for hit in hits]
        assert query("qqqxxzz", user=owner).hits == []


def test_the_lexicon_is_the_tenants_own(tenant_a, tenant_b):
    """B's names are neither in A's lexicon nor offered to A as the correction of a typo."""
    with tenant_b.active():
        contact_create(
            actor=tenant_b.owner(), data={"first_name": "Зиновий", "last_name": "Шпакловский"}
        )
        changes_index()
        lexicon_rebuild()
        assert SearchWord.objects.filter(word="шпакловский").exists()
    with tenant_a.active():
        contact_create(actor=tenant_a.owner(), data={"first_name": "Анна", "last_name": "Орлова"})
        changes_index()
        lexicon_rebuild()
        assert not SearchWord.objects.filter(word__in=["шпакловский", "зиновий"]).exists()
        assert query("Шпаклоский", user=tenant_a.owner()).hits == []
        assert query("Зиновий Шпакловский", user=tenant_a.owner()).total == 0


def test_a_rare_name_with_words_of_a_record_finds_the_record(tenant_a, monkeypatch):
    """A record's words leave its contact's name out, yet "Кузнецова отгрузка" finds the call
    about shipping with Ms Kuznetsova: the lexicon says the surname names few people, so
    their calls are searched for the other words. A name held by more people than
    NAMED_CONTACTS names nobody in particular and takes no such detour; a rep finds only
    the records they may open."""
    owner = tenant_a.owner()
    with tenant_a.active():
        rep = tenant_a.make_user(Role.SALES_REP)
        shipping = contact_with_calls(owner, "Кузнецова", "Согласовали отгрузку", 2)
        contact_with_calls(owner, "Соколова", "Согласовали отгрузку", 1)

        hits = [(hit.kind, hit.object_id) for hit in query("Кузнецова отгрузку", user=owner).hits]
        assert sorted(hits) == sorted(("interaction", pk) for pk in shipping)
        assert query("Кузнецова отгрузку", user=rep).hits == []
        monkeypatch.setattr(postgres, "NAMED_CONTACTS", 0)
        assert query("Кузнецова отгрузку", user=owner).hits == []
