"""Campaigns and their audiences: an audience is the contact list's filters and a consent,
counted as its reader may see; a campaign freezes it into members once each (those without
consent left out and counted), each member's step lands on their timeline, and the figures
count only the members the reader sees; pages and API alike refuse bad input, field by field."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from crm_core.activities.models import Interaction
from crm_core.deals.models import Deal, PipelineStage
from crm_core.deals.services import deal_create
from crm_core.marketing.models import Audience, Campaign, CampaignMember
from crm_core.marketing.results import campaign_results
from crm_core.marketing.services import (
    audience_save,
    campaign_members_add,
    campaign_save,
    member_step,
)
from crm_core.notifications.models import Notification
from crm_core.parties.services import contact_create
from crm_core.segments.services import segment_save
from tenants.identity.models import Team
from tenants.identity.roles import Role
from tenants.identity.services.teams import member_move

pytestmark = pytest.mark.django_db


def people(owner, segment, rep=None):
    """Three buyers of the segment (two agreed to emails), one outside it, one the rep's."""
    made = {}
    for name, consent in (("Anna", True), ("Boris", True), ("Vera", False)):
        made[name] = contact_create(
            actor=owner,
            data={"first_name": name, "segment": segment, "consent_email": consent},
        )
    made["Gleb"] = contact_create(actor=owner, data={"first_name": "Gleb", "consent_email": True})
    if rep is not None:
        made["Rita"] = contact_create(
            actor=rep, data={"first_name": "Rita", "segment": segment, "consent_email": True}
        )
    return made


def test_an_audience_is_the_contact_lists_filters_and_a_consent_refused_field_by_field(tenant_a):
    owner = tenant_a.owner()
    marketer = tenant_a.make_user(Role.MARKETER)
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = segment_save(segment=None, data={"name": "Buyers", "applies_to": "contact"})
        people(owner, segment)
    as_marketer = tenant_a.client(marketer)
    page = as_marketer.get("/marketing/audiences/new/").content.decode()
    assert "Only those who agreed to" in page
    assert "RFM segment" in page  # the contact list's own filters
    saved = as_marketer.post(
        "/marketing/audiences/new/",
        {"name": "Buyers by email", "consent": "email", "segment": segment.pk},
        follow=True,
    )
    body = saved.content.decode()
    assert "The audience is saved: 2 contacts now." in body
    assert "1 left out without consent" in body
    with tenant_a.active():
        audience = Audience.objects.get()
    assert (audience.query, audience.consent) == (f"segment={segment.pk}", "email")
    assert f'href="/contacts/?segment={segment.pk}"' in body
    listed = as_marketer.get("/marketing/audiences/").content.decode()
    assert "Buyers by email" in listed

    refused = as_marketer.post("/marketing/audiences/new/", {"name": "", "consent": "fax"})
    assert "This field is required." in refused.content.decode()
    api = tenant_a.client(marketer)
    for body_sent, field, message in (
        ({"name": "X", "query": "colour=red"}, "query", "“colour” is not a filter"),
        ({"name": "X", "query": "lifecycle_stage=999999"}, "query", "Lifecycle stage:"),
        ({"name": "X", "audience_size": 3}, "audience_size", "Unknown field."),
        ({"name": "X", "consent": "fax"}, "consent", "is not a valid choice"),
    ):
        answer = api.post("/api/v1/audiences/", body_sent, content_type="application/json")
        assert answer.status_code == 400
        assert message in " ".join(answer.json()[field])
    made = api.post(
        "/api/v1/audiences/",
        {"name": "Everyone of the segment", "query": f"segment={segment.pk}"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert (made.json()["contacts"], made.json()["left_out"]) == (3, 0)
    with tenant_a.active():
        assert Audience.objects.count() == 2
        with pytest.raises(PermissionDenied):
            audience_save(actor=rep, audience=None, data={"name": "Mine"})
    assert tenant_a.client(rep).post("/marketing/audiences/new/", {"name": "Mine"}).status_code == (
        403
    )


def test_a_campaign_freezes_its_audience_into_members_whose_steps_land_on_their_timeline(
    tenant_a,
):
    owner = tenant_a.owner()
    marketer = tenant_a.make_user(Role.MARKETER)
    with tenant_a.active():
        segment = segment_save(segment=None, data={"name": "Buyers", "applies_to": "contact"})
        made = people(owner, segment)
        audience = audience_save(
            actor=marketer,
            audience=None,
            data={"name": "Buyers", "query": f"segment={segment.pk}", "consent": "email"},
        )
    client = tenant_a.client(marketer)
    form = {
        "name": "Spring racks",
        "kind": "mailing",
        "status": "active",
        "starts_on": "2026-12-01",
        "ends_on": "2026-11-01",
        "budget": "1000",
        "actual_cost": "500",
        "currency": "RUB",
        "audience": audience.pk,
    }
    refused = client.post("/marketing/campaigns/new/", form).content.decode()
    assert "It cannot end before it starts." in refused
    form["ends_on"] = "2026-12-31"
    created = client.post("/marketing/campaigns/new/", form)
    with tenant_a.active():
        campaign = Campaign.objects.get()
    assert created["Location"] == f"/marketing/campaigns/{campaign.pk}/"
    assert campaign.utm_campaign == "spring-racks"

    added = client.post(f"/marketing/campaigns/{campaign.pk}/members/", follow=True)
    text = added.content.decode()
    assert "Members added: 2." in text
    assert "Left out: 1 without consent to emails." in text
    # frozen: a contact joining the audience later is not a member until added again
    with tenant_a.active():
        contact_create(
            actor=owner, data={"first_name": "Dina", "segment": segment, "consent_email": True}
        )
        assert set(campaign.members.values_list("contact__first_name", flat=True)) == {
            "Anna",
            "Boris",
        }
        assert campaign_members_add(actor=marketer, campaign=campaign) == (1, 1)
        assert campaign_members_add(actor=marketer, campaign=campaign) == (0, 1)
        anna = CampaignMember.objects.get(campaign=campaign, contact=made["Anna"])

    client.post(f"/marketing/campaigns/{campaign.pk}/members/{anna.pk}/", {"status": "opened"})
    with tenant_a.active():
        logged = Interaction.objects.get(contact=made["Anna"])
    assert logged.channel == "mailing"
    assert logged.subject == "Campaign “Spring racks”: opened"
    page = client.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="campaign-members-count">3<' in page
    assert '<tr data-step="opened"><td>Opened</td><td class="text-end">1</td></tr>' in page
    assert '<tr data-step="clicked"><td>Clicked</td><td class="text-end">0</td></tr>' in page
    assert "166.67 RUB" in page  # 500 / 3 members
    card = client.get(f"/contacts/{made['Anna'].pk}/").content.decode()
    assert "Campaign “Spring racks”: opened" in card
    bad = client.post(
        f"/marketing/campaigns/{campaign.pk}/members/{anna.pk}/", {"status": "married"}, follow=True
    )
    assert "Choose one of the steps." in bad.content.decode()

    # the UTM name is the campaign's own
    with tenant_a.active():
        twin = campaign_save(
            actor=marketer,
            campaign=None,
            data={"name": "Spring racks", "kind": "event", "starts_on": date(2026, 12, 2)},
        )
    assert twin.utm_campaign == "spring-racks-2"
    clash = client.post(
        f"/marketing/campaigns/{twin.pk}/edit/", {**form, "utm_campaign": "spring-racks"}
    )
    assert "Another campaign has this UTM name." in clash.content.decode()


def test_a_campaigns_figures_count_only_the_members_the_reader_sees(tenant_a):
    owner = tenant_a.owner()
    head = tenant_a.make_user(Role.SALES_HEAD)
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        team = Team.objects.create(name="East")
        member_move(user=head, team=team)
        member_move(user=rep, team=team)
        head.refresh_from_db()
        rep.refresh_from_db()
        segment = segment_save(segment=None, data={"name": "Buyers", "applies_to": "contact"})
        people(owner, segment, rep=rep)
        audience = audience_save(
            actor=owner, audience=None, data={"name": "All", "query": f"segment={segment.pk}"}
        )
        campaign = campaign_save(
            actor=head,
            campaign=None,
            data={
                "name": "East fair",
                "kind": "trade_show",
                "starts_on": date(2026, 12, 1),
                "audience": audience,
            },
        )
        assert campaign_members_add(actor=owner, campaign=campaign) == (4, 0)
    as_head = tenant_a.client(head)
    page = as_head.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="campaign-members-count">1<' in page  # Rita only, of the team's
    assert "Rita" in page
    assert "Anna" not in page
    api = as_head.get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert api["members"] == 1
    assert len(as_head.get(f"/api/v1/campaigns/{campaign.pk}/members/").json()) == 1
    assert tenant_a.client(owner).get(f"/api/v1/campaigns/{campaign.pk}/").json()["members"] == 4
    # a rep sees only their own campaigns
    assert tenant_a.client(rep).get(f"/marketing/campaigns/{campaign.pk}/").status_code == 404


def test_the_api_runs_a_campaign_refusing_unknown_fields(tenant_a):
    owner = tenant_a.owner()
    with tenant_a.active():
        segment = segment_save(segment=None, data={"name": "Buyers", "applies_to": "contact"})
        made = people(owner, segment)
        audience = audience_save(
            actor=owner,
            audience=None,
            data={"name": "Buyers", "query": f"segment={segment.pk}", "consent": "email"},
        )
    api = tenant_a.client(owner)
    body = {"name": "Webinar", "kind": "webinar", "starts_on": "2026-12-10"}
    unknown = api.post(
        "/api/v1/campaigns/", {**body, "roi": 5}, content_type="application/json"
    ).json()
    assert unknown == {"roi": ["Unknown field."]}
    negative = api.post(
        "/api/v1/campaigns/", {**body, "budget": "-5"}, content_type="application/json"
    )
    assert negative.json() == {"budget": ["Enter an amount of zero or more."]}
    created = api.post(
        "/api/v1/campaigns/", {**body, "audience": audience.pk}, content_type="application/json"
    )
    assert created.status_code == 201
    campaign = created.json()
    assert (campaign["currency"], campaign["status"], campaign["members"]) == ("RUB", "planned", 0)
    changed = api.patch(
        f"/api/v1/campaigns/{campaign['id']}/",
        {"status": "active", "actual_cost": "90"},
        content_type="application/json",
    ).json()
    assert (changed["status"], changed["actual_cost"]) == ("active", "90.00")
    added = api.post(f"/api/v1/campaigns/{campaign['id']}/members/").json()
    assert added == {"added": 2, "left_out": 1}
    members = api.get(f"/api/v1/campaigns/{campaign['id']}/members/").json()
    boris = next(member for member in members if member["contact"] == made["Boris"].pk)
    step = api.put(
        f"/api/v1/campaigns/{campaign['id']}/members/{boris['id']}/",
        {"status": "clicked"},
        content_type="application/json",
    )
    assert step.json()["status"] == "clicked"
    figures = api.get(f"/api/v1/campaigns/{campaign['id']}/").json()
    assert {step["step"]: step["reached"] for step in figures["steps"]}["opened"] == 1
    assert figures["cost_per_member"] == "45.00"


def test_a_campaigns_results_credit_deals_by_the_model_chosen_with_revenue_cost_and_roi(tenant_a):
    """Anna touched the webinar, then the fair, then her deal (3,000, won) was made; Boris
    touched the webinar, then his deal (500, open); a deal of Anna's made before any touch
    counts for nothing."""
    owner = tenant_a.owner()
    now = timezone.now()
    with tenant_a.active():
        segment = segment_save(segment=None, data={"name": "Buyers", "applies_to": "contact"})
        made = people(owner, segment)
        webinar, fair = (
            campaign_save(
                actor=owner,
                campaign=None,
                data={
                    "name": name,
                    "kind": "webinar",
                    "starts_on": date(2026, 11, 1),
                    "actual_cost": cost,
                    "currency": "RUB",
                },
            )
            for name, cost in (("Webinar", 1000), ("Fair", 0))
        )
        for campaign, name, step, days in (
            (webinar, "Anna", "clicked", 10),
            (fair, "Anna", "responded", 5),
            (webinar, "Boris", "converted", 3),
            (fair, "Vera", "opened", 3),  # an opening is not a touch
        ):
            member = CampaignMember.objects.create(campaign=campaign, contact=made[name])
            member_step(actor=owner, member=member, status=step)
            CampaignMember.objects.filter(pk=member.pk).update(
                changed_at=now - timedelta(days=days)
            )
        won = PipelineStage.objects.get(is_won=True)
        for title, name, amount, stage, days in (
            ("Anna racks", "Anna", 3000, won, 0),
            ("Boris racks", "Boris", 500, None, 0),
            ("Anna old", "Anna", 9000, won, 30),
        ):
            deal = deal_create(
                actor=owner,
                data={
                    "title": title,
                    "contact": made[name],
                    "amount": Decimal(amount),
                    "currency": "RUB",
                    **({"stage": stage} if stage else {}),
                },
            )
            Deal.objects.filter(pk=deal.pk).update(created_at=now - timedelta(days=days))
        figures = {
            model: campaign_results(campaign=webinar, user=owner, model=model)
            for model in ("first_touch", "last_touch", "linear")
        }
    first, last, linear = figures["first_touch"], figures["last_touch"], figures["linear"]
    assert (first.touches, first.deals, first.won_deals) == (2, 2, 1)
    assert (first.won_revenue, first.cost_per_lead, first.roi) == (3000, 500, 200)
    assert (last.deals, last.won_deals, last.won_revenue, last.roi) == (1, 0, 0, -100)
    assert (linear.deals, linear.won_deals, linear.won_revenue) == (
        Decimal("1.5"),
        Decimal("0.5"),
        1500,
    )
    assert (linear.cost_per_lead, linear.roi) == (Decimal("666.67"), 50)

    client = tenant_a.client(owner)
    page = client.get(f"/marketing/campaigns/{webinar.pk}/?model=first_touch").content.decode()
    assert "Model: First touch." in page
    assert 'data-testid="results-roi">200.0 %<' in page
    assert 'data-testid="results-revenue">3,000.00 RUB<' in page
    api = client.get(f"/api/v1/campaigns/{webinar.pk}/results/").json()
    assert (api["model"], api["deals"], api["roi"]) == ("linear", "1.50", "50.0")
    refused = client.get(f"/api/v1/campaigns/{webinar.pk}/results/?model=magic")
    assert refused.status_code == 400
    assert "model" in refused.json()
    # a rep who sees none of these deals sees no results (and not the campaign)
    rep = tenant_a.make_user(Role.SALES_REP)
    assert tenant_a.client(rep).get(f"/api/v1/campaigns/{webinar.pk}/results/").status_code == 404


def test_a_lead_posted_with_a_campaigns_utm_name_is_credited_to_it(tenant_a, tenant_b):
    """A website's form passes on the utm_campaign of the link the visitor came by (our
    mailings' links carry it): the new contact is the campaign's member who responded, and
    the deal that follows is credited to the campaign."""
    owner = tenant_a.owner()
    with tenant_a.active():
        campaign = campaign_save(
            actor=owner,
            campaign=None,
            data={"name": "Spring racks", "kind": "advertising", "starts_on": date(2026, 12, 1)},
        )
    with tenant_b.active():
        campaign_save(
            actor=tenant_b.owner(),
            campaign=None,
            data={"name": "Spring racks", "kind": "advertising", "starts_on": date(2026, 12, 1)},
        )
    client = tenant_a.client(owner)
    made = client.post(
        "/api/v1/contacts/",
        {"first_name": "Lena", "emails": ["lena@lead.test"], "utm_campaign": "spring-racks"},
        content_type="application/json",
    )
    assert made.status_code == 201
    unknown = client.post(
        "/api/v1/contacts/",
        {"first_name": "Oleg", "utm_campaign": "somebody-elses-ad"},
        content_type="application/json",
    )
    assert unknown.status_code == 201  # the lead is kept; no campaign is credited
    with tenant_a.active():
        member = CampaignMember.objects.get(campaign=campaign)
        assert (member.contact_id, member.status) == (made.json()["id"], "responded")
        logged = Interaction.objects.get(contact_id=member.contact_id)
        assert logged.subject == "Campaign “Spring racks”: responded"
        deal_create(
            actor=owner,
            data={"title": "Lena racks", "contact": member.contact, "amount": Decimal(900)},
        )
        results = campaign_results(campaign=campaign, user=owner, model="last_touch")
        assert results.deals == 1
    with tenant_b.active():
        assert not CampaignMember.objects.exists()  # Beta's campaign of the same name


def test_a_large_audience_is_added_by_a_worker_and_its_marketer_is_told(
    tenant_a, settings, django_capture_on_commit_callbacks
):
    """Above CAMPAIGN_MEMBERS_DIRECT contacts the click hands the adding to a worker (run
    here when the request commits): the page says so meanwhile, the marketer is notified."""
    settings.CAMPAIGN_MEMBERS_DIRECT = 1
    owner = tenant_a.owner()
    marketer = tenant_a.make_user(Role.MARKETER)
    with tenant_a.active():
        segment = segment_save(segment=None, data={"name": "Buyers", "applies_to": "contact"})
        people(owner, segment)
        audience = audience_save(
            actor=marketer,
            audience=None,
            data={"name": "Buyers", "query": f"segment={segment.pk}", "consent": "email"},
        )
        campaign = campaign_save(
            actor=marketer,
            campaign=None,
            data={"name": "Big", "kind": "mailing", "starts_on": date(2026, 12, 1)},
        )
        Campaign.objects.filter(pk=campaign.pk).update(audience=audience)
        # a worker already at it: the page says so and a second click is refused
        Campaign.objects.filter(pk=campaign.pk).update(members_adding_since=timezone.now())
    client = tenant_a.client(marketer)
    page = client.get(f"/marketing/campaigns/{campaign.pk}/").content.decode()
    assert 'data-testid="campaign-members-adding"' in page
    assert 'data-testid="campaign-members-add"' not in page
    twice = client.post(f"/marketing/campaigns/{campaign.pk}/members/", follow=True)
    assert "Its members are being added already." in twice.content.decode()
    with tenant_a.active():
        # ... one that started an hour ago died: it can be asked again
        Campaign.objects.filter(pk=campaign.pk).update(
            members_adding_since=timezone.now() - timedelta(hours=1)
        )
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(f"/marketing/campaigns/{campaign.pk}/members/", follow=True)
    assert "2 members are being added in the background" in asked.content.decode()
    with tenant_a.active():
        campaign.refresh_from_db()
        assert campaign.members_adding_since is None
        assert campaign.members.count() == 2
        told = Notification.objects.get(recipient=marketer, kind="members_added")
        assert told.params == {"campaign": "Big", "added": 2}
    api = client.post(f"/api/v1/campaigns/{campaign.pk}/members/")
    assert (api.status_code, api.json()) == (202, {"added": 2, "left_out": 1})
