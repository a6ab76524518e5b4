"""The search contract: what staff type in the one search box and what they must find."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from crm_core.activities.models import Interaction
from crm_core.activities.services import interaction_log
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.parties.models import Contact
from crm_core.parties.services import contact_update, record_archive
from crm_core.support.services import ticket_open
from search.backends.base import SearchFilters
from search.models import SearchEntry
from search.selectors import query
from search.services import changes_index

pytestmark = pytest.mark.django_db


def found(text, user, **filters):
    return [
        (hit.kind, hit.object_id)
        for hit in query(text, user=user, filters=SearchFilters(**filters)).hits
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Кузнецова",
        "кузнецова анна",
        "Кузницова",  # a typo
        "кузнец",  # as you type
        "repytwjdf",  # typed with the English layout on
        "anna.kuz@severstal",
        "anna.kuz@severstal.test",
        "8 916 123 45 67",
        "+7 (916) 123-45-67",
        "9161234567",
        "45-67",
    ],
)
def test_a_contact_is_found_by_anything_about_it(tenant_a, clients, text):
    with tenant_a.active():
        assert ("contact", clients.anna.pk) in found(text, clients.owner)[:3], text


def test_latin_names_with_typos_and_prefixes(tenant_a, clients):
    with tenant_a.active():
        assert found("Ivonov", clients.owner)[0] == ("contact", clients.boris.pk)
        assert found("iv", clients.owner)[0] == ("contact", clients.boris.pk)
        assert ("contact", clients.anna.pk) in found("ку", clients.owner)


def test_a_company_by_name_tax_id_and_website(tenant_a, clients):
    with tenant_a.active():
        for text in ("северсталь", "7701234567", "sst.ru", "Severstal"):
            assert ("company", clients.company.pk) in found(text, clients.owner)[:3], text


def test_a_phrase_from_a_call_note_finds_the_call_and_leads_to_its_contact(tenant_a, clients):
    with tenant_a.active():
        assert found("договоров", clients.owner) == [("interaction", clients.call.pk)]
        results = query("договор поставки", user=clients.owner)
        hit = results.hits[0]
        assert (hit.kind, hit.object_id) == ("interaction", clients.call.pk)
        assert hit.contact_id == clients.anna.pk
        assert hit.channel == "call"
        assert "<mark>договора</mark>" in hit.snippet
        assert "<mark>поставки</mark>" in hit.snippet
        assert dict(results.facets["kind"]) == {"interaction": 1}
        assert dict(results.facets["channel"]) == {"call": 1}


def test_a_name_finds_the_person_not_each_record_that_mentions_them(tenant_a, clients):
    """A record's words are its own: the name of its contact leads to the contact (whose card
    holds the timeline), not to every call, order and ticket with them."""
    with tenant_a.active():
        assert found("Анна Кузнецова", clients.owner) == [("contact", clients.anna.pk)]
        hit = query("арматуры", user=clients.owner).hits[0]
        assert (hit.kind, hit.object_id) == ("interaction", clients.call.pk)
        assert hit.subtitle == "Анна Кузнецова"


def test_orders_and_tickets_by_number_and_subject(tenant_a, clients):
    with tenant_a.active():
        product = product_save(product=None, data={"sku": "REBAR-12", "name": "Арматура А500"})
        prices = price_list_save(price_list=None, data={"name": "Базовый", "is_default": True})
        prices_set(price_list=prices, prices={product.pk: Decimal("950")})
        order = order_create(
            actor=clients.owner, contact=clients.anna, lines=[LineRequest(product, Decimal("3"))]
        )
        ticket = ticket_open(
            actor=clients.owner,
            contact=clients.anna,
            subject="Не пришла накладная",
            body="Накладная по заказу не приложена к отгрузке",
        )
        changes_index()
        assert ("order", order.pk) in found(order.number, clients.owner)[:1]
        assert ("ticket", ticket.pk) in found("накладная", clients.owner)[:2]
        assert ("ticket", ticket.pk) in found(ticket.number, clients.owner)[:1]
        # the ticket's opening message is also an interaction on the contact's timeline
        kinds = {kind for kind, _id in found("накладная", clients.owner)}
        assert {"ticket"} <= kinds


def test_facets_and_filters(tenant_a, clients):
    with tenant_a.active():
        interaction_log(
            actor=clients.owner,
            contact=clients.boris,
            data={"channel": "email", "subject": "Квартал", "notes": "План на квартал"},
        )
        changes_index()
        results = query("квартал", user=clients.owner)
        assert dict(results.facets["channel"]) == {"call": 1, "email": 1}
        assert found("квартал", clients.owner, channel="email") == [
            ("interaction", Interaction.objects.get(subject="Квартал").pk)
        ]
        assert found("квартал", clients.owner, kind="contact") == []


def test_a_sales_rep_finds_only_what_they_may_open(tenant_a, clients):
    with tenant_a.active():
        assert found("Кузнецова", clients.rep) == []
        assert found("договор поставки", clients.rep) == []
        assert found("ку", clients.rep) == []
        # the contact moves to the rep: its call follows (visibility is inherited)
        contact_update(
            actor=clients.owner,
            contact=clients.anna,
            data={"owner": clients.rep},
            expected_version=clients.anna.version,
        )
        changes_index()
        assert ("contact", clients.anna.pk) in found("Кузнецова", clients.rep)
        assert found("договор поставки", clients.rep) == [("interaction", clients.call.pk)]


def test_archived_and_deleted_records_leave_the_results(tenant_a, clients):
    with tenant_a.active():
        record_archive(record=clients.boris)
        changes_index()
        assert found("Ivanov", clients.owner) == []
        assert ("contact", clients.boris.pk) in found(
            "Ivanov", clients.owner, include_archived=True
        )
        Contact.objects.filter(pk=clients.boris.pk).delete()
        changes_index()
        assert not SearchEntry.objects.filter(kind="contact", object_id=clients.boris.pk).exists()


def test_bulk_sql_updates_are_indexed_too(tenant_a, clients):
    """The queue is filled by triggers, so an UPDATE that sends no signal is not missed."""
    with tenant_a.active():
        Contact.objects.filter(pk=clients.boris.pk).update(last_name="Smirnov")
        changes_index()
        assert found("Smirnov", clients.owner) == [("contact", clients.boris.pk)]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"',
        "*",
        ":",
        "(",
        "a:* & !b | (c",
        "'; DROP TABLE search_entry; --",
        "name:anna AND (x OR y)^2 ~3",
        "%_%",
        "\\",
        "кузнецова" * 500,
        "\x00null",
    ],
)
def test_any_input_is_answered_without_error(tenant_a, clients, text):
    with tenant_a.active():
        results = query(text, user=clients.owner)
        assert results.total >= 0
        assert SearchEntry.objects.exists()


def test_a_subject_the_crm_wrote_reads_in_the_readers_language(tenant_a, clients):
    """A request opened while English was active (as a worker's is) is indexed in English;
    a Russian reader's hit on its timeline entry reads in Russian, highlighted."""

    with tenant_a.active():
        with translation.override("en"):
            ticket = ticket_open(
                actor=clients.owner, contact=clients.anna, subject="Накладная", body="Где она?"
            )
            changes_index()
        with translation.override("ru"):
            results = query("накладная", user=clients.owner)
        (hit,) = [hit for hit in results.hits if hit.kind == "interaction"]
        assert hit.title == f"Обращение {ticket.number}: Накладная"
        assert "<mark>Накладная</mark>" in hit.title_html
