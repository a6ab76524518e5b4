"""Change history: a database trigger keeps every update of the tracked records, whoever or
whatever made it (a form, the API, a bulk update); the card and the timeline show it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm_core.activities.selectors import record_timeline
from crm_core.activities.services import interaction_log, task_create
from crm_core.deals.services import deal_create
from crm_core.history.models import RecordChange
from crm_core.history.selectors import record_history
from crm_core.parties.models import Contact
from crm_core.parties.services import company_create, contact_create
from crm_core.segments.services import segment_save
from tenants.identity.roles import Role
from tenants.identity.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


def test_form_api_and_bulk_changes_are_kept_with_who_made_them(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        company = company_create(actor=rep, data={"name": "Acme"})
        contact = contact_create(
            actor=rep, data={"first_name": "Vera", "position": "Buyer", "company": company}
        )
        _token, raw = api_token_create(user=owner, name="script")
    form = {
        "first_name": "Vera",
        "position": "Head of purchasing",
        "company": company.pk,
        "version": "1",
        "emails": "vera@acme.test",
    }
    assert tenant_a.client(rep).post(f"/contacts/{contact.pk}/edit/", form).status_code == 302
    api = tenant_a.client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    patched = api.patch(
        f"/api/v1/contacts/{contact.pk}/",
        {"is_vip": True, "version": 2},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    with tenant_a.active():
        Contact.objects.filter(pk=contact.pk).update(notes="bulk fix")  # no actor: the system
        changes = record_history(Contact.objects.get(pk=contact.pk))
    assert [change.actor for change in changes] == [None, owner, rep]
    bulk, by_api, by_form = changes
    assert [(f.label, f.old, f.new) for f in bulk.fields] == [("Notes", "—", "bulk fix")]
    assert [(f.label, f.old, f.new) for f in by_api.fields] == [("VIP", "no", "yes")]
    assert {(f.label, f.old, f.new) for f in by_form.fields} == {
        ("Position", "Buyer", "Head of purchasing"),
        ("Emails", "—", "vera@acme.test"),
    }
    card = tenant_a.client(rep).get(f"/contacts/{contact.pk}/").content.decode()
    assert "Head of purchasing" in card
    assert "Rita Rep" in card
    assert "the system" in card


def test_an_update_that_changes_nothing_leaves_no_entry(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        contact = contact_create(actor=owner, data={"first_name": "Same"})
        Contact.objects.filter(pk=contact.pk).update(first_name="Same")
        assert not RecordChange.objects.filter(record_id=contact.pk).exists()


def test_the_timeline_holds_deals_tasks_and_changes_and_the_company_sees_its_people(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        company = company_create(actor=owner, data={"name": "Timeline Co"})
        contact = contact_create(actor=owner, data={"first_name": "Tom", "company": company})
        earlier = timezone.now() - timedelta(days=2)
        interaction_log(
            actor=owner,
            contact=contact,
            data={"channel": "meeting", "subject": "Kick-off", "occurred_at": earlier},
        )
        deal = deal_create(actor=owner, data={"title": "Pilot", "contact": contact})
        task_create(
            actor=owner,
            data={"title": "Send the proposal", "due_at": timezone.now(), "contact": contact},
        )
        Contact.objects.filter(pk=contact.pk).update(position="CTO")
        kinds = [entry.kind for entry in record_timeline(record=contact).entries]
        assert kinds == ["change", "task", "deal", "interaction"]
        assert [e.kind for e in record_timeline(record=contact, channel="deal").entries] == ["deal"]
        company_kinds = [entry.kind for entry in record_timeline(record=company).entries]
        assert company_kinds == ["task", "deal", "interaction"]
    client = tenant_a.client(owner)
    page = client.get(f"/companies/{company.pk}/").content.decode()
    assert "Kick-off" in page
    assert "Pilot" in page
    assert "Send the proposal" in page
    only_meetings = client.get(f"/companies/{company.pk}/timeline/", {"channel": "meeting"})
    assert "Kick-off" in only_meetings.content.decode()
    assert "Pilot" not in only_meetings.content.decode()
    changes = client.get(f"/contacts/{contact.pk}/timeline/", {"channel": "change"})
    assert "CTO" in changes.content.decode()
    api = client.get(f"/api/v1/contacts/{contact.pk}/timeline/").json()["results"]
    assert api[0]["kind"] == "change"
    assert api[0]["fields"] == [{"field": "Position", "old": "—", "new": "CTO"}]
    assert api[2] == {
        "kind": "deal",
        "at": api[2]["at"],
        "id": deal.pk,
        "title": "Pilot",
        "stage": deal.stage.name,
        "amount": None,
        "currency": deal.currency,
    }


def test_a_rep_does_not_see_colleagues_deals_on_a_shared_contacts_timeline(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        contact = contact_create(actor=rep, data={"first_name": "Shared"})
        deal_create(actor=owner, data={"title": "Owner's secret deal", "contact": contact})
        assert record_timeline(record=contact, user=rep).entries == []
        assert len(record_timeline(record=contact, user=owner).entries) == 1


def test_history_reads_as_the_card_does_in_the_readers_language(tenant_a):
    """Numbers in the reader's grouping, phones as written on the card, a segment's values
    under their labels, field names translated; bookkeeping columns hidden."""
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = segment_save(
            segment=None,
            data={"name": "Distributors", "parameters": [{"label": "Turnover", "type": "money"}]},
        )
        company = company_create(actor=owner, data={"name": "Acme", "segment": segment})
        deal = deal_create(actor=owner, data={"title": "Big"})
    client = tenant_a.client(owner, HTTP_ACCEPT_LANGUAGE="ru")
    changed = client.patch(
        f"/api/v1/companies/{company.pk}/",
        {"phones": ["+79773646382"], "segment_values": {"turnover": 871000000}, "version": 1},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    moved = client.patch(
        f"/api/v1/deals/{deal.pk}/",
        {"amount": "2406350.00", "version": 1},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    company_history = client.get(f"/companies/{company.pk}/").content.decode()
    company_history = company_history.split('data-testid="history"')[1]
    deal_history = client.get(f"/deals/{deal.pk}/").content.decode()
    deal_history = deal_history.split('data-testid="history"')[1]
    assert "+7 977 364-63-82" in company_history
    assert "Turnover: 871\xa0000\xa0000" in company_history
    assert "2\xa0406\xa0350" in deal_history
    assert "Сумма" in deal_history
    assert "2406350" not in deal_history
