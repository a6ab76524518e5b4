import pytest

from crm_core.activities.models import Interaction
from crm_core.activities.services import interaction_log
from crm_core.deals.models import Deal
from crm_core.deals.services import deal_create
from crm_core.history.models import ContactMerge
from crm_core.parties.models import Contact, LifecycleStage
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def test_merge_combines_timelines_and_undo_puts_everything_back(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        stage = LifecycleStage.objects.get(name="Customer")
        keep = contact_create(
            actor=owner,
            data={
                "first_name": "Anna",
                "last_name": "",
                "emails": ["anna@a.test"],
                "phones": ["+79160000001"],
            },
        )
        dupe = contact_create(
            actor=owner,
            allow_duplicate=True,
            data={
                "first_name": "Anna",
                "last_name": "Petrova",
                "emails": ["anna@b.test"],
                "phones": ["+79160000001"],
                "lifecycle_stage": stage,
                "position": "CFO",
            },
        )
        interaction_log(actor=owner, contact=keep, data={"channel": "call", "subject": "kept"})
        moved_call = interaction_log(
            actor=owner, contact=dupe, data={"channel": "email", "subject": "moved"}
        )
        deal = deal_create(actor=owner, data={"title": "Dupe's deal", "contact": dupe})
    client = tenant_a.client(owner)
    card = client.get(f"/contacts/{keep.pk}/").content.decode()
    assert "Possible duplicates" in card
    form = client.get(f"/contacts/{keep.pk}/merge/?other={dupe.pk}").content.decode()
    assert "Petrova" in form
    merged = client.post(
        f"/contacts/{keep.pk}/merge/",
        {
            "other": dupe.pk,
            "last_name": "other",
            "position": "other",
            "lifecycle_stage": "other",
            "first_name": "mine",
        },
        follow=True,
    )
    assert "was merged into this contact" in merged.content.decode()
    with tenant_a.active():
        keep.refresh_from_db()
        dupe.refresh_from_db()
        assert (keep.last_name, keep.position, keep.lifecycle_stage) == ("Petrova", "CFO", stage)
        assert keep.emails == ["anna@a.test", "anna@b.test"]
        assert dupe.archived_at is not None
        assert Interaction.objects.get(pk=moved_call.interaction.pk).contact == keep
        assert Deal.objects.get(pk=deal.pk).contact == keep

        merge = ContactMerge.objects.get()
    undone = client.post(f"/merges/{merge.pk}/undo/", follow=True)
    assert "The merge was undone" in undone.content.decode()
    with tenant_a.active():
        keep.refresh_from_db()
        dupe.refresh_from_db()
        assert (keep.last_name, keep.position, keep.lifecycle_stage) == ("", "", None)
        assert keep.emails == ["anna@a.test"]
        assert dupe.archived_at is None
        assert Interaction.objects.get(pk=moved_call.interaction.pk).contact == dupe
        assert Deal.objects.get(pk=deal.pk).contact == dupe
        assert Contact.objects.filter(archived_at=None).count() == 2
    again = client.post(f"/merges/{merge.pk}/undo/", follow=True)
    assert "already undone" in again.content.decode()


def test_a_rep_cannot_merge_or_undo_what_they_cannot_see(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        mine = contact_create(actor=rep, data={"first_name": "Mine"})
        theirs = contact_create(actor=owner, data={"first_name": "Theirs"})
    client = tenant_a.client(rep)
    assert client.post(f"/contacts/{mine.pk}/merge/", {"other": theirs.pk}).status_code == 404
    assert client.get(f"/contacts/{theirs.pk}/merge/?other={mine.pk}").status_code == 404
