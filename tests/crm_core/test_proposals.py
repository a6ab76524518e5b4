"""The proposal: refused until the way to it is open, prefilled from the segment's offer matrix
at the client's price list, numbered per type and year; a discount above the owner's role's
limit waits for a head of sales' approval, and nothing is sent while it is missing. The same
through the pages and the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from crm_core.activities.models import Interaction
from crm_core.commerce.services import price_list_save, prices_set, product_save
from crm_core.notifications.models import Notification
from crm_core.parties.services import contact_create
from crm_core.proposals.drafting import (
    LineInput,
    approval_decide,
    approval_request,
    approved,
    discount_limits_save,
    document_number,
    needs_approval,
    proposal_create,
    proposal_update,
    send_blockers,
)
from crm_core.proposals.models import Proposal
from crm_core.proposals.services import needs_card_save, offer_matrix_save
from tenants.identity.models import Team, User
from tenants.identity.roles import Role
from tenants.identity.services.teams import member_move
from tests.crm_core.test_proposal_gates import complete_company, set_up

pytestmark = pytest.mark.django_db


def catalogue(owner, segment):
    """Racks for every client (required), trucks for "Delivery" (recommended), a loan for
    "Credit" (with no price), insurance optional; the segment's price list in roubles."""
    racks = product_save(product=None, data={"sku": "RACK", "name": "Racks"})
    trucks = product_save(product=None, data={"sku": "TRUCK", "name": "Trucks"})
    loans = product_save(product=None, data={"sku": "LOAN", "name": "Credit line"})
    cover = product_save(product=None, data={"sku": "COVER", "name": "Insurance"})
    prices = price_list_save(
        price_list=None, data={"name": "Distributors", "currency": "RUB", "segment": segment}
    )
    prices_set(
        price_list=prices,
        prices={racks.pk: Decimal("1200"), trucks.pk: Decimal("90000"), cover.pk: Decimal("500")},
    )
    offer_matrix_save(
        actor=owner,
        segment=segment,
        rows=[
            {"product": racks.pk, "importance": "required", "quantity": 10},
            {"product": cover.pk, "importance": "optional"},
            {"question": "main_need", "answer": "Delivery", "product": trucks.pk},
            {"question": "main_need", "answer": "Credit", "product": loans.pk},
        ],
    )
    return racks, trucks, loans, cover


def ready_client(owner, segment, name: str, need: str = "Delivery"):
    company = complete_company(owner, segment, name)
    buyer = contact_create(
        actor=owner,
        data={
            "first_name": "Ivan",
            "last_name": "Buyer",
            "company": company,
            "emails": [f"ivan@{company.pk}.buyer.test"],
        },
    )
    needs_card_save(
        actor=owner, client=company, data={"answers": {"main_need": need, "monthly_volume": "5"}}
    )
    return company, buyer


def test_a_proposal_waits_for_the_way_then_comes_filled_from_the_matrix_and_numbered(tenant_a):
    owner = tenant_a.owner()
    year = timezone.localdate().year
    with tenant_a.active():
        segment = set_up(owner)
        racks, trucks, loans, _cover = catalogue(owner, segment)
        early = complete_company(owner, segment, "Quokka Trade")
        with pytest.raises(ValidationError) as locked:
            proposal_create(actor=owner, client=early, data={})
        assert locked.value.message_dict["client"][0].startswith("“Needs recorded” first")
        assert not Proposal.objects.exists()

        company, buyer = ready_client(owner, segment, "Numbat Trade")
        proposal = proposal_create(actor=owner, client=company, data={})
        assert proposal.number == f"P-{year}-0001"
        assert (proposal.company, proposal.contact) == (company, buyer)
        assert proposal.currency == "RUB"
        # required and recommended cells, each at the client's price list; optional left out
        assert [
            (line.product.sku, line.importance, line.quantity, line.unit_price, line.total)
            for line in proposal.lines.all()
        ] == [
            ("RACK", "required", Decimal("10"), Decimal("1200"), Decimal("12000")),
            ("TRUCK", "recommended", Decimal("1"), Decimal("90000"), Decimal("90000")),
        ]
        assert proposal.total == Decimal("102000")
        assert proposal_create(actor=owner, client=company, data={}).number == (f"P-{year}-0002")
        assert document_number("proposal", on=date(year + 1, 1, 2)) == f"P-{year + 1}-0001"
        # the step is on the timeline of the person it goes to
        logged = Interaction.objects.filter(contact=buyer, channel="proposal").last()
        assert logged is not None
        assert str(logged.subject) == f"Proposal P-{year}-0001 drafted"

        # a client whose needs put an unpriced product in: the product is named, nothing made
        credit, _buyer = ready_client(owner, segment, "Wallaby Trade", need="Credit")
        before = Proposal.objects.count()
        with pytest.raises(ValidationError) as unpriced:
            proposal_create(actor=owner, client=credit, data={})
        assert unpriced.value.message_dict == {
            "lines": ["Credit line has no price in “Distributors”."]
        }
        assert Proposal.objects.count() == before
        # lines given by hand are checked the same way
        with pytest.raises(ValidationError) as bad:
            proposal_create(
                actor=owner,
                client=company,
                data={
                    "lines": [
                        LineInput(racks, Decimal(0)),
                        LineInput(trucks, Decimal(1), Decimal(120)),
                        LineInput(trucks, Decimal(1)),
                    ]
                },
            )
        assert bad.value.message_dict["lines"] == [
            "Racks: the quantity must be above zero.",
            "Trucks: the discount must be from 0 to 100%.",
            "Trucks is on two lines: keep one.",
        ]
        with pytest.raises(ValidationError) as stranger:
            proposal_create(actor=owner, client=company, data={"colour": "red"})
        assert stranger.value.message_dict == {"colour": ["Unknown field."]}


def test_a_discount_above_the_roles_limit_waits_for_a_head_of_sales(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        team = Team.objects.create(name="East")
        member_move(user=rep, team=team)
        head = User.objects.create_user(
            email="head@east.test", full_name="Hugo Head", role=Role.SALES_HEAD, team=team
        )
        other_head = User.objects.create_user(
            email="head@west.test", full_name="Wanda West", role=Role.SALES_HEAD
        )
        with pytest.raises(PermissionDenied):
            discount_limits_save(actor=rep, limits={"sales_rep": "50"})
        with pytest.raises(ValidationError) as bad:
            discount_limits_save(actor=owner, limits={"sales_rep": "150", "pilot": "5"})
        assert bad.value.message_dict == {
            "sales_rep": ["Enter a percentage from 0 to 100."],
            "pilot": ["Not a staff role."],
        }
        discount_limits_save(actor=owner, limits={"sales_rep": "5"})
        segment = set_up(owner)
        racks, trucks, _loans, _cover = catalogue(owner, segment)
        company, buyer = ready_client(owner, segment, "Kowari Trade")
        rep.refresh_from_db()
        proposal = proposal_create(actor=rep, client=company, data={})
        proposal = proposal_update(
            actor=rep,
            proposal=proposal,
            data={"lines": [LineInput(racks, Decimal(10), Decimal(5))]},
        )
        assert not needs_approval(proposal)
        assert send_blockers(proposal) == []
        proposal = proposal_update(
            actor=rep,
            proposal=proposal,
            data={
                "lines": [
                    LineInput(racks, Decimal(10), Decimal(5)),
                    LineInput(trucks, Decimal(1), Decimal("12.5")),
                ]
            },
        )
        assert proposal.total == Decimal("11400.00") + Decimal("78750.00")
        assert needs_approval(proposal)
        assert send_blockers(proposal) == ["The 12.5% discount needs the head of sales' approval."]
        with pytest.raises(ValidationError):
            approval_decide(actor=head, proposal=proposal, approve=True)
        proposal = approval_request(actor=rep, proposal=proposal)
        assert send_blockers(proposal) == ["Awaiting the head of sales' approval of the discount."]
        # the head of the rep's team is asked (not another team's head)
        asked = Notification.objects.get(kind=Notification.Kind.PROPOSAL_APPROVAL)
        assert asked.recipient == head
        assert asked.text == (
            f"{rep.full_name} asks you to approve a 12.5% discount in proposal {proposal.number}"
        )
        with pytest.raises(PermissionDenied):
            approval_decide(actor=rep, proposal=proposal, approve=True)
        with pytest.raises(PermissionDenied):  # another team's head does not see it
            approval_decide(actor=other_head, proposal=proposal, approve=True)
        with pytest.raises(ValidationError) as why:
            approval_decide(actor=head, proposal=proposal, approve=False)
        assert why.value.message_dict == {"comment": ["Say why the discount is rejected."]}
        proposal = approval_decide(actor=head, proposal=proposal, approve=True, comment="Fine")
        assert approved(proposal)
        assert send_blockers(proposal) == []
        told = Notification.objects.get(kind=Notification.Kind.PROPOSAL_APPROVED)
        assert told.recipient == rep
        # a smaller discount stays approved; a larger one needs asking again
        proposal = proposal_update(
            actor=rep,
            proposal=proposal,
            data={"lines": [LineInput(trucks, Decimal(1), Decimal(10))]},
        )
        assert proposal.approval == Proposal.Approval.APPROVED
        assert approved(proposal)
        proposal = proposal_update(
            actor=rep,
            proposal=proposal,
            data={"lines": [LineInput(trucks, Decimal(1), Decimal(20))]},
        )
        assert proposal.approval == Proposal.Approval.NONE
        assert not approved(proposal)
        subjects = [
            str(row.subject)
            for row in Interaction.objects.filter(contact=buyer, channel="proposal").order_by(
                "occurred_at", "id"
            )
        ]
        assert subjects[1:] == [
            f"Proposal {proposal.number}: a 12.5% discount sent for approval",
            f"Proposal {proposal.number}: the discount is approved",
        ]


def test_the_pages_make_edit_and_approve_a_proposal(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        team = Team.objects.create(name="North")
        member_move(user=rep, team=team)
        head = User.objects.create_user(
            email="head@north.test", full_name="Nina North", role=Role.SALES_HEAD, team=team
        )
        segment = set_up(owner)
        racks, trucks, _loans, cover = catalogue(owner, segment)
        company, _buyer = ready_client(rep, segment, "Potoroo Trade")
        waiting = complete_company(rep, segment, "Bettong Trade")
    as_rep = tenant_a.client(rep)
    card = as_rep.get(f"/companies/{company.pk}/").content.decode()
    assert 'data-testid="proposal-new"' in card
    assert (
        'data-testid="proposal-new"' not in as_rep.get(f"/companies/{waiting.pk}/").content.decode()
    )
    refused = as_rep.post(f"/companies/{waiting.pk}/proposals/new/", follow=True)
    assert "“Needs recorded” first" in refused.content.decode()
    made = as_rep.post(f"/companies/{company.pk}/proposals/new/")
    assert made.status_code == 302
    with tenant_a.active():
        proposal = Proposal.objects.get(company=company)
    page = as_rep.get(made["Location"]).content.decode()
    assert "Insurance" in page  # the matrix's optional product, offered to add
    assert 'data-testid="send-ready"' in page
    form = {
        "version": proposal.version,
        "title": "Racks and trucks",
        "contact": proposal.contact_id,
        "language": "ru",
        "valid_until": "2027-01-31",
        "message": "",
        "l-TOTAL_FORMS": "3",
        "l-INITIAL_FORMS": "0",
        "l-0-product": racks.pk,
        "l-0-quantity": "12",
        "l-0-discount": "150",
        "l-1-product": trucks.pk,
        "l-1-quantity": "1",
        "l-1-discount": "",
        "l-2-product": cover.pk,
        "l-2-quantity": "2",
        "l-2-discount": "15",
    }
    bad = as_rep.post(f"/proposals/{proposal.pk}/", form)
    assert bad.status_code == 200
    assert "Ensure this value is less than or equal to 100." in bad.content.decode()
    form["l-0-discount"] = "0"
    saved = as_rep.post(f"/proposals/{proposal.pk}/", form, follow=True)
    text = saved.content.decode()
    assert "The proposal is saved." in text
    assert "The 15% discount needs the head of sales&#x27; approval." in text
    with tenant_a.active():
        proposal.refresh_from_db()
        assert (proposal.title, proposal.language, proposal.total) == (
            "Racks and trucks",
            "ru",
            Decimal("14400") + Decimal("90000") + Decimal("850"),
        )
    as_rep.post(f"/proposals/{proposal.pk}/approval/")
    as_head = tenant_a.client(head)
    queue = as_head.get("/proposals/?approval=pending").content.decode()
    assert proposal.number in queue
    rejected = as_head.post(
        f"/proposals/{proposal.pk}/decision/", {"decision": "reject", "comment": ""}, follow=True
    )
    assert "Say why the discount is rejected." in rejected.content.decode()
    as_head.post(f"/proposals/{proposal.pk}/decision/", {"decision": "approve", "comment": "ok"})
    page = as_rep.get(f"/proposals/{proposal.pk}/").content.decode()
    assert 'data-testid="send-ready"' in page
    assert 'data-testid="approval-state">Approved' in page
    # the discount limits: the owner's page, refused to a rep, a bad figure named
    assert as_rep.get("/settings/proposals/discounts/").status_code == 403
    as_owner = tenant_a.client(owner)
    limits = as_owner.post(
        "/settings/proposals/discounts/", {"sales_rep": "abc", "sales_head": "20"}
    )
    assert "Enter a percentage from 0 to 100." in limits.content.decode()
    assert 'value="abc"' in limits.content.decode()
    as_owner.post(
        "/settings/proposals/discounts/",
        {
            **{
                role: "20"
                for role in ("owner", "admin", "sales_head", "sales_rep", "marketer", "support")
            },
            "acceptance": "both",
        },
    )
    limits_page = as_owner.get("/settings/proposals/discounts/").content.decode()
    assert 'value="20"' in limits_page
    assert '<option value="both" selected>' in limits_page


def test_the_api_refuses_a_locked_step_and_unknown_fields_and_runs_the_approval(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP)
    someone = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        segment = set_up(owner)
        racks, trucks, _loans, _cover = catalogue(owner, segment)
        company, buyer = ready_client(rep, segment, "Dibbler Trade")
        waiting = complete_company(rep, segment, "Antechinus Trade")
    api = tenant_a.client(rep)
    locked = api.post(
        "/api/v1/proposals/", {"company": waiting.pk}, content_type="application/json"
    )
    assert locked.status_code == 400
    assert locked.json()["client"][0].startswith("“Needs recorded” first")
    stranger = api.post(
        "/api/v1/proposals/",
        {"company": company.pk, "colour": "red"},
        content_type="application/json",
    )
    assert stranger.status_code == 400
    assert "colour" in stranger.json()
    made = api.post(
        "/api/v1/proposals/",
        {
            "company": company.pk,
            "contact": buyer.pk,
            "lines": [{"product": racks.pk, "quantity": "3", "discount": "30"}],
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["total"] == "2520.00"
    assert body["needs_approval"] is True
    assert body["send_blockers"] == ["The 30% discount needs the head of sales' approval."]
    pk = body["id"]
    bad_line = api.patch(
        f"/api/v1/proposals/{pk}/",
        {"lines": [{"product": trucks.pk, "quantity": "1", "discount": "101"}]},
        content_type="application/json",
    )
    assert bad_line.status_code == 400
    assert "discount" in bad_line.json()["lines"]["0"]
    stale = api.patch(
        f"/api/v1/proposals/{pk}/",
        {"title": "New", "version": body["version"] - 1 if body["version"] > 1 else 99},
        content_type="application/json",
    )
    assert stale.status_code == 409, stale.content
    assert api.post(f"/api/v1/proposals/{pk}/approval/").json()["approval"] == "pending"
    assert tenant_a.client(someone).get(f"/api/v1/proposals/{pk}/").status_code == 404
    as_owner = tenant_a.client(owner)
    decided = as_owner.put(
        f"/api/v1/proposals/{pk}/approval/",
        {"decision": "approve", "comment": "", "extra": 1},
        content_type="application/json",
    )
    assert decided.status_code == 400
    assert "extra" in decided.json()
    decided = as_owner.put(
        f"/api/v1/proposals/{pk}/approval/",
        {"decision": "approve"},
        content_type="application/json",
    )
    assert decided.json()["approval"] == "approved"
    assert decided.json()["send_blockers"] == []
    limits = as_owner.put(
        "/api/v1/proposal-discount-limits/", {"sales_rep": "7.5"}, content_type="application/json"
    )
    assert limits.json()["sales_rep"] == "7.50"
    refused = tenant_a.client(rep).put(
        "/api/v1/proposal-discount-limits/", {"sales_rep": "90"}, content_type="application/json"
    )
    assert refused.status_code == 403
    listed = api.get("/api/v1/proposals/?approval=approved").json()
    assert [item["id"] for item in listed] == [pk]
    with tenant_a.active():
        assert not Proposal.objects.filter(company=waiting).exists()
