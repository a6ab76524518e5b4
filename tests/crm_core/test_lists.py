"""Saved views (filters, sort, columns; private or shared with the team) and bulk changes of the
contact, company and deal lists (assign an owner, set the stage, add to a segment, archive,
export) with a confirmation and an undo for a minute (issue 23)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.activities.models import StageChange
from crm_core.deals.models import Deal, Pipeline
from crm_core.deals.services import deal_create
from crm_core.history.models import RecordChange
from crm_core.lists import services as list_services
from crm_core.lists.models import BulkOperation, SavedView
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.parties.services import company_create, contact_create
from crm_core.segments.services import segment_save
from tenants.identity.models import Team
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        north = Team.objects.create(name="North")
        south = Team.objects.create(name="South")
    head = tenant_a.make_user(Role.SALES_HEAD, full_name="Hugo Head")
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    mate = tenant_a.make_user(Role.SALES_REP, full_name="Mats Mate")
    stranger = tenant_a.make_user(Role.SALES_REP, full_name="Sven South")
    with tenant_a.active():
        for user, team in ((head, north), (rep, north), (mate, north), (stranger, south)):
            user.team = team
            user.save(update_fields=["team"])
        contacts = [
            contact_create(actor=rep, data={"first_name": name, "emails": [f"{name}@x.test"]})
            for name in ("Anna", "Boris", "Vera", "Gleb")
        ]
    return {
        "owner": owner,
        "head": head,
        "rep": rep,
        "mate": mate,
        "stranger": stranger,
        "contacts": contacts,
    }


def test_a_saved_view_keeps_filters_sort_and_columns(tenant_a, people):
    client = tenant_a.client(people["rep"])
    response = client.post(
        "/views/contact/",
        {
            "name": "My A's",
            "query": "q=anna&ordering=-created_at&cursor=abc",
            "columns": ["email", "created"],
            "shared": "on",
        },
    )
    assert response.status_code == 302
    with tenant_a.active():
        view = SavedView.objects.get()
    assert view.query == "q=anna&ordering=-created_at"
    assert view.columns == ["email", "created"]
    assert response["Location"] == f"/contacts/?q=anna&ordering=-created_at&view={view.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Anna@x.test" in page.lower() or "anna@x.test" in page
    rows = page[page.index('data-testid="contact-rows"') :]
    assert "<th>Email</th>" in rows
    assert "<th>Owner</th>" not in rows
    assert "Boris" not in rows
    # shared with the team: a teammate sees it, another team does not, nobody else deletes it
    assert "My A&#x27;s" in tenant_a.client(people["mate"]).get("/contacts/").content.decode()
    stranger = tenant_a.client(people["stranger"])
    assert "My A&#x27;s" not in stranger.get("/contacts/").content.decode()
    assert stranger.post(f"/views/{view.pk}/delete/").status_code == 404
    assert tenant_a.client(people["mate"]).post(f"/views/{view.pk}/delete/").status_code == 403
    refused = client.post("/views/contact/", {"name": "My A's", "columns": ["email"]})
    assert refused.status_code == 302
    assert "You have a view with this name." in client.get("/contacts/").content.decode()
    assert client.post(f"/views/{view.pk}/delete/").status_code == 302
    with tenant_a.active():
        assert not SavedView.objects.exists()


def test_saved_views_through_the_api(tenant_a, people):
    client = tenant_a.client(people["rep"])
    created = client.post(
        "/api/v1/saved-views/",
        {
            "kind": "deal",
            "name": "Closing soon",
            "query": "ordering=close_date",
            "columns": ["amount"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    view_id = created.json()["id"]
    assert client.get("/api/v1/saved-views/", {"kind": "deal"}).json()[0]["name"] == "Closing soon"
    assert client.get("/api/v1/saved-views/").status_code == 400
    bad = client.patch(
        f"/api/v1/saved-views/{view_id}/", {"columns": ["colour"]}, content_type="application/json"
    )
    assert bad.json() == {"columns": ["No such column: colour."]}
    unknown = client.patch(
        f"/api/v1/saved-views/{view_id}/", {"pinned": True}, content_type="application/json"
    )
    assert unknown.json() == {"pinned": ["Unknown field."]}
    renamed = client.patch(
        f"/api/v1/saved-views/{view_id}/", {"name": "Soon"}, content_type="application/json"
    )
    assert renamed.json()["name"] == "Soon"
    other = tenant_a.client(people["mate"])
    assert other.get(f"/api/v1/saved-views/{view_id}/").status_code == 404  # private
    assert client.delete(f"/api/v1/saved-views/{view_id}/").status_code == 204


def test_assign_owner_asks_first_then_changes_and_undoes(tenant_a, people):
    client = tenant_a.client(people["head"])
    anna, boris = people["contacts"][:2]
    form = {"action": "owner", "value": people["mate"].pk, "ids": [anna.pk, boris.pk]}
    asked = client.post("/bulk/contact/", form)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "This changes 2 records." in page
    assert "Mats Mate" in page
    with tenant_a.active():
        assert Contact.objects.get(pk=anna.pk).owner_id == people["rep"].pk
    done = client.post("/bulk/contact/", {**form, "confirm": "yes"})
    assert done.status_code == 302
    with tenant_a.active():
        changed = Contact.objects.get(pk=anna.pk)
        assert (changed.owner_id, changed.version) == (people["mate"].pk, 2)
        assert RecordChange.objects.filter(
            table_name="crm_core_contact", record_id=anna.pk, changes__has_key="owner_id"
        ).exists()
        operation = BulkOperation.objects.get()
    listing = client.get("/contacts/").content.decode()
    assert "2 contacts assigned to Mats Mate." in listing
    assert 'data-testid="bulk-undo"' in listing
    # only its author undoes it
    assert tenant_a.client(people["owner"]).post(f"/bulk/undo/{operation.pk}/").status_code == 404
    client.post(f"/bulk/undo/{operation.pk}/")
    with tenant_a.active():
        assert Contact.objects.get(pk=anna.pk).owner_id == people["rep"].pk
        assert BulkOperation.objects.get().undone_at is not None
    assert 'data-testid="bulk-undo"' not in client.get("/contacts/").content.decode()


def test_an_undo_is_for_a_minute(tenant_a, people):
    client = tenant_a.client(people["head"])
    anna = people["contacts"][0]
    client.post("/bulk/contact/", {"action": "archive", "ids": [anna.pk], "confirm": "yes"})
    with tenant_a.active():
        operation = BulkOperation.objects.get()
        BulkOperation.objects.update(undo_until=timezone.now() - timedelta(seconds=1))
    client.post(f"/bulk/undo/{operation.pk}/")
    assert "can be undone for a minute" in client.get("/contacts/").content.decode()
    with tenant_a.active():
        assert Contact.objects.get(pk=anna.pk).archived_at is not None


def test_stage_and_segment_for_all_matching_the_filters(tenant_a, people):
    client = tenant_a.client(people["head"])
    with tenant_a.active():
        customer = LifecycleStage.objects.get(name="Customer")
        segment = segment_save(segment=None, data={"name": "Key accounts"})
        firm = company_create(actor=people["rep"], data={"name": "Vega Ltd"})
        company_create(actor=people["stranger"], data={"name": "Vega South"})
    client.post(
        "/bulk/contact/",
        {"action": "stage", "value": customer.pk, "scope": "all", "query": "q=a", "confirm": "yes"},
    )
    with tenant_a.active():
        moved = set(
            Contact.objects.filter(lifecycle_stage=customer).values_list("first_name", flat=True)
        )
        assert moved == {"Anna", "Vera"}  # an "a" in the name; Boris and Gleb stay
        assert StageChange.objects.filter(to_stage=customer).count() == 2
    client.post(
        "/bulk/company/",
        {
            "action": "segment",
            "value": segment.pk,
            "scope": "all",
            "query": "q=vega",
            "confirm": "yes",
        },
    )
    with tenant_a.active():
        # the head sees their team's companies: the south one stays out
        assert list(Company.objects.filter(segment=segment)) == [firm]
        operation = BulkOperation.objects.filter(action="stage").get()
    client.post(f"/bulk/undo/{operation.pk}/")
    with tenant_a.active():
        assert not Contact.objects.filter(lifecycle_stage=customer).exists()
        assert StageChange.objects.filter(from_stage=customer).count() == 2


def test_deals_move_through_their_gates_and_the_refused_are_named(tenant_a, people):
    client = tenant_a.client(people["head"])
    with tenant_a.active():
        proposal = Pipeline.objects.get().stages.get(name="Proposal")
        ready = deal_create(
            actor=people["rep"],
            data={
                "title": "Ready",
                "contact": people["contacts"][0],
                "amount": Decimal("10"),
                "expected_close": timezone.localdate(),
            },
        )
        bare = deal_create(actor=people["rep"], data={"title": "Bare"})
    client.post(
        "/bulk/deal/",
        {"action": "stage", "value": proposal.pk, "ids": [ready.pk, bare.pk], "confirm": "yes"},
    )
    page = client.get("/deals/list/").content.decode()
    assert "Left as they were: Bare: To enter “Proposal”, fill in" in page
    with tenant_a.active():
        assert Deal.objects.get(pk=ready.pk).stage_id == proposal.pk
        assert Deal.objects.get(pk=bare.pk).stage_id != proposal.pk
        assert BulkOperation.objects.get().count == 1


def test_who_may_do_what(tenant_a, people):
    rep = tenant_a.client(people["rep"])
    page = rep.get("/contacts/").content.decode()
    assert '<option value="owner">' not in page  # a rep assigns nothing to colleagues
    refused = rep.post(
        "/bulk/contact/",
        {
            "action": "owner",
            "value": people["mate"].pk,
            "ids": [people["contacts"][0].pk],
            "confirm": "yes",
        },
    )
    assert refused.status_code == 403
    # records the user does not see are not theirs to change
    stranger = tenant_a.client(people["stranger"])
    stranger.post(
        "/bulk/contact/", {"action": "archive", "ids": [people["contacts"][0].pk], "confirm": "yes"}
    )
    assert "Choose the records to change." in stranger.get("/contacts/").content.decode()
    with tenant_a.active():
        assert Contact.objects.get(pk=people["contacts"][0].pk).archived_at is None


def test_a_bulk_change_is_bounded(tenant_a, people, monkeypatch):
    monkeypatch.setattr(list_services, "BULK_LIMIT", 2)
    client = tenant_a.client(people["head"])
    client.post(
        "/bulk/contact/", {"action": "archive", "scope": "all", "query": "", "confirm": "yes"}
    )
    assert "One bulk change takes up to 2 records" in client.get("/contacts/").content.decode()
    with tenant_a.active():
        assert not Contact.objects.exclude(archived_at=None).exists()


def test_export_the_chosen(tenant_a, people):
    client = tenant_a.client(people["rep"])
    anna, _boris, vera, _gleb = people["contacts"]
    chosen = client.post("/bulk/contact/", {"action": "export", "ids": [anna.pk, vera.pk]})
    assert chosen.status_code == 302
    export = client.get(chosen["Location"])
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Anna" in text
    assert "Vera" in text
    assert "Boris" not in text


def test_bulk_through_the_api(tenant_a, people):
    client = tenant_a.client(people["head"])
    ids = [contact.pk for contact in people["contacts"][:3]]
    done = client.post(
        "/api/v1/bulk/",
        {"kind": "contact", "action": "owner", "value": people["mate"].pk, "ids": ids},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["count"] == 3
    assert done.json()["summary"] == "3 contacts assigned to Mats Mate"
    both = client.post(
        "/api/v1/bulk/",
        {"kind": "contact", "action": "archive", "ids": ids, "query": "q=a"},
        content_type="application/json",
    )
    assert both.status_code == 400
    missing = client.post(
        "/api/v1/bulk/",
        {"kind": "contact", "action": "owner", "ids": ids},
        content_type="application/json",
    )
    assert missing.json() == {"value": ["No such record to set."]}
    unknown = client.post(
        "/api/v1/bulk/",
        {"kind": "contact", "action": "archive", "ids": ids, "dry_run": True},
        content_type="application/json",
    )
    assert unknown.json() == {"dry_run": ["Unknown field."]}
    undone = client.post(f"/api/v1/bulk/{done.json()['id']}/undo/")
    assert undone.status_code == 200
    with tenant_a.active():
        assert set(Contact.objects.filter(pk__in=ids).values_list("owner_id", flat=True)) == {
            people["rep"].pk
        }
    again = client.post(f"/api/v1/bulk/{done.json()['id']}/undo/")
    assert again.status_code == 400


def test_the_confirmation_in_russian(tenant_a, people):
    client = tenant_a.client(people["head"], HTTP_ACCEPT_LANGUAGE="ru")
    page = client.post(
        "/bulk/contact/", {"action": "archive", "ids": [people["contacts"][0].pk]}
    ).content.decode()
    assert "Подтвердите массовое изменение" in page
    assert "Это изменит 1 запись." in page
