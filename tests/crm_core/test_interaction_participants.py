"""The people of an interaction besides its contact: other contacts and colleagues, in the
form, the API and the timeline; the API refuses fields it does not know instead of dropping
them, and only names the participants a reader may see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm_core.activities.models import Interaction, Task
from crm_core.activities.services import interaction_log
from crm_core.parties.services import contact_create
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/interactions/", body, content_type="application/json")


def test_the_api_takes_participants_colleagues_and_a_follow_up(tenant_a):
    owner = tenant_a.owner()
    colleague = tenant_a.make_user(Role.SALES_HEAD, full_name="Hana Head")
    with tenant_a.active():
        anna = contact_create(actor=owner, data={"first_name": "Anna", "last_name": "Main"})
        boris = contact_create(actor=owner, data={"first_name": "Boris", "last_name": "Buyer"})
    api = tenant_a.client(owner)
    due = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    logged = post(
        api,
        {
            "contact": anna.pk,
            "channel": "meeting",
            "subject": "Site visit",
            "participants": [boris.pk],
            "staff": [colleague.pk],
            "follow_up_at": due.isoformat(),
        },
    )
    assert logged.status_code == 201, logged.content
    body = logged.json()
    assert body["participants"] == [{"id": boris.pk, "name": "Boris Buyer"}]
    assert body["staff"] == [{"id": colleague.pk, "name": "Hana Head"}]
    with tenant_a.active():
        task = Task.objects.get(pk=body["follow_up_task"])
        assert (task.assignee, task.contact, task.due_at) == (owner, anna, due)
        assert task.title == "Follow up: Site visit"
    read = api.get(f"/api/v1/interactions/{body['id']}/").json()
    assert (read["participants"], read["staff"]) == (body["participants"], body["staff"])


def test_unknown_fields_and_strangers_are_refused_and_nothing_is_logged(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        mine = contact_create(actor=rep, data={"first_name": "Rita's"})
        hidden = contact_create(actor=owner, data={"first_name": "Hidden"})
    api = tenant_a.client(rep)
    unknown = post(api, {"contact": mine.pk, "channel": "call", "particpants": [hidden.pk]})
    assert unknown.status_code == 400
    assert unknown.json() == {"particpants": ["Unknown field."]}
    stranger = post(api, {"contact": mine.pk, "channel": "call", "participants": [hidden.pk]})
    assert stranger.json() == {"participants": [f"No such contact: {hidden.pk}."]}
    nobody = post(api, {"contact": mine.pk, "channel": "call", "staff": [987654]})
    assert nobody.json() == {"staff": ["No such colleague: 987654."]}
    with tenant_a.active():
        assert not Interaction.objects.filter(contact=mine).exists()


def test_the_card_form_logs_participants_and_the_timeline_shows_whom_the_reader_may_see(
    tenant_a,
):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        shared = contact_create(actor=rep, data={"first_name": "Vera", "last_name": "Shared"})
        secret = contact_create(actor=owner, data={"first_name": "Oleg", "last_name": "Private"})
    page = tenant_a.client(owner)
    logged = page.post(
        f"/contacts/{shared.pk}/interactions/",
        {"channel": "meeting", "participants": [secret.pk], "staff": [rep.pk], "notes": "Tour"},
    )
    assert logged.status_code == 302
    with tenant_a.active():
        interaction = Interaction.objects.get(contact=shared)
        assert list(interaction.participants.all()) == [secret]
        assert list(interaction.staff.all()) == [rep]
    owners_view = page.get(f"/contacts/{shared.pk}/").content.decode()
    assert "Oleg Private" in owners_view
    assert "Rita Rep" in owners_view
    reps_view = tenant_a.client(rep).get(f"/contacts/{shared.pk}/").content.decode()
    assert 'data-testid="interaction-participants"' in reps_view
    assert "Oleg Private" not in reps_view  # the rep may not open that contact


def test_a_search_in_the_participants_box_keeps_the_ones_chosen(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        chosen = contact_create(actor=owner, data={"first_name": "Kept", "last_name": "One"})
        contact_create(actor=owner, data={"first_name": "Zara", "last_name": "Match"})
        interaction_log(actor=owner, contact=chosen, data={"channel": "call"})
    client = tenant_a.client(owner)
    options = client.get(
        "/lookup/contacts/", {"q": "Zara", "keep": "participants", "participants": [chosen.pk]}
    ).content.decode()
    assert f'<option value="{chosen.pk}" selected>Kept One</option>' in options
    assert "Zara Match" in options
    assert '<option value="">' not in options  # a select of several has no empty choice
    single = client.get("/lookup/contacts/", {"q": "Zara"}).content.decode()
    assert single.startswith('<option value="">—</option>')
