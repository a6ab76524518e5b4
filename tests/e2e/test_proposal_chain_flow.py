"""The whole way of a proposal in real browsers. The rep: the client's proposal is locked,
the card is filled, the needs answered, the proposal comes prefilled from the offer matrix, a
discount above the rep's limit goes for approval; the head of sales approves; the rep sends
it. The customer: opens the mailed link in the portal, accepts with a typed name; the order
is placed and the rep sees the acceptance."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from crm_core.commerce.services import price_list_save, prices_set, product_save
from crm_core.parties.models import Company
from crm_core.parties.services import company_create, contact_create
from crm_core.proposals.drafting import discount_limits_save
from crm_core.proposals.models import Proposal
from crm_core.proposals.services import (
    card_rule_save,
    offer_matrix_save,
    questionnaire_save,
)
from crm_core.segments.services import segment_save
from tenants.identity.models import Team, User
from tenants.identity.roles import Role
from tenants.identity.services.teams import member_move
from tests.conftest import PASSWORD
from tests.e2e.test_analytics_flow import in_company
from tests.e2e.test_foundation_flows import sign_in, sign_up

pytestmark = pytest.mark.e2e

OWNER = "olga@chain.test"
REP = "roman@chain.test"
HEAD = "helen@chain.test"
BUYER = "ivan@numbat.test"


def the_company_set_up() -> dict:
    owner = User.objects.get(email=OWNER)
    team = Team.objects.create(name="Sales")
    rep = User.objects.create_user(
        email=REP, password=PASSWORD, full_name="Roman Rep", role=Role.SALES_REP
    )
    member_move(user=rep, team=team)
    User.objects.create_user(
        email=HEAD, password=PASSWORD, full_name="Helen Head", role=Role.SALES_HEAD, team=team
    )
    discount_limits_save(actor=owner, limits={"sales_rep": "5"})
    segment = segment_save(
        segment=None,
        data={
            "name": "Distributors",
            "applies_to": "company",
            "parameters": [{"label": "Turnover", "type": "money", "currency": "RUB"}],
        },
    )
    card_rule_save(actor=owner, segment=segment, fields=["tax_id"], parameters=["turnover"])
    questionnaire_save(
        actor=owner,
        segment=segment,
        questions=[
            {
                "label": "Main need",
                "type": "choice",
                "choices": ["Stock", "Delivery"],
                "required": True,
            }
        ],
    )
    racks = product_save(product=None, data={"sku": "RACK", "name": "Pallet racks"})
    trucks = product_save(product=None, data={"sku": "TRUCK", "name": "Delivery trucks"})
    prices = price_list_save(
        price_list=None, data={"name": "Distributors", "currency": "RUB", "segment": segment}
    )
    prices_set(price_list=prices, prices={racks.pk: Decimal(1200), trucks.pk: Decimal(90000)})
    offer_matrix_save(
        actor=owner,
        segment=segment,
        rows=[
            {"product": racks.pk, "importance": "required", "quantity": 10},
            {"question": "main_need", "answer": "Delivery", "product": trucks.pk},
        ],
    )
    company = company_create(actor=rep, data={"name": "Numbat Trading", "segment": segment})
    contact_create(
        actor=rep,
        data={"first_name": "Ivan", "last_name": "Numbat", "company": company, "emails": [BUYER]},
    )
    return {"company": company.pk}


def the_order() -> dict:
    proposal = Proposal.objects.select_related("order").get()
    return {
        "status": proposal.status,
        "order": proposal.order.number if proposal.order else "",
        "total": str(proposal.order.total) if proposal.order else "",
        "company_tax_id": Company.objects.get().tax_id,
    }


def test_a_rep_takes_a_client_to_an_approved_proposal_and_the_customer_accepts_it(
    browser, page: Page, site, server, django_db_blocker
):
    sign_up(page, site, company="Chain Co", subdomain="chain-co", owner="Olga Owner", email=OWNER)
    made = in_company("chain_co", django_db_blocker, the_company_set_up)

    rep = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    rep.context.set_default_timeout(15_000)
    sign_in(rep, site, "chain-co", REP)
    rep.goto(site("chain-co", f"/companies/{made['company']}/"))
    gates = rep.get_by_test_id("proposal-gates")
    expect(gates.get_by_test_id("gate-proposal")).to_have_attribute("data-state", "locked")
    expect(gates.get_by_test_id("proposal-new")).to_have_count(0)
    expect(gates.get_by_test_id("gate-card")).to_contain_text("Fill in: Tax id, Turnover.")

    # the card filled in: the tax id on its edit page, the turnover among its parameters
    rep.goto(site("chain-co", f"/companies/{made['company']}/edit/"))
    rep.get_by_label("Tax id").fill("7707083893")
    rep.get_by_role("button", name="Save").click()
    expect(gates.get_by_test_id("gate-card")).to_contain_text("Fill in: Turnover.")
    rep.get_by_text("Edit parameters").click()
    values = rep.get_by_test_id("segment-values-form").last
    values.get_by_label("Turnover").fill("2500000")
    values.get_by_role("button", name="Save parameters").click()
    expect(gates.get_by_test_id("gate-card")).to_have_attribute("data-state", "done")
    gates.get_by_test_id("needs-open").click()
    rep.get_by_test_id("needs-form").get_by_label("Main need").select_option("Delivery")
    rep.get_by_test_id("needs-form").get_by_role("button", name="Save").click()
    expect(gates.get_by_test_id("gate-proposal")).to_have_attribute("data-state", "todo")

    # the proposal comes filled from the matrix; a 12 % discount is above the rep's 5 %
    gates.get_by_test_id("proposal-new").click()
    expect(rep.get_by_test_id("flash").first).to_contain_text("is drafted")
    saved = rep.get_by_test_id("proposal-saved-lines")
    expect(saved).to_contain_text("Pallet racks")
    expect(saved).to_contain_text("Delivery trucks")
    expect(rep.get_by_test_id("proposal-total")).to_contain_text("102,000.00")
    rows = rep.get_by_test_id("proposal-lines").get_by_test_id("line-row")
    rows.nth(1).get_by_label("Discount, % 2").fill("12")
    rep.get_by_test_id("proposal-save").click()
    expect(rep.get_by_test_id("send-blockers")).to_contain_text(
        "The 12% discount needs the head of sales' approval."
    )
    rep.get_by_test_id("approval-ask").click()
    expect(rep.get_by_test_id("approval-state")).to_contain_text("Awaiting approval")

    head = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    head.context.set_default_timeout(15_000)
    sign_in(head, site, "chain-co", HEAD)
    # the bell's list is fetched by htmx: click it once the page (and its scripts) has loaded
    expect(head.get_by_test_id("notification-count")).to_be_visible()
    head.wait_for_load_state("load")
    head.get_by_test_id("bell").click()
    head.get_by_text("asks you to approve a 12% discount").click()
    decide = head.get_by_test_id("approval-decide")
    decide.get_by_label("Comment").fill("Fine for a first order")
    decide.get_by_test_id("approve").click()
    expect(head.get_by_test_id("approval-state")).to_contain_text("Approved")
    head.context.close()

    rep.reload()
    expect(rep.get_by_test_id("approval-comment")).to_contain_text("Fine for a first order")
    rep.get_by_test_id("proposal-send").click()
    expect(rep.get_by_test_id("flash").first).to_contain_text(f"is sent to {BUYER}")
    expect(rep.get_by_test_id("proposal-status")).to_contain_text("Sent")

    # the customer follows the mailed link into the portal and accepts
    link = server["mailbox"].link_to(
        BUYER, rf"http://chain-co\.localhost:{server['port']}/portal/proposals/\S+/"
    )
    customer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    customer.context.set_default_timeout(15_000)
    customer.goto(link)
    expect(customer.get_by_test_id("proposal-lines")).to_contain_text("Delivery trucks")
    accept = customer.get_by_test_id("accept-form")
    accept.get_by_test_id("accept").click()
    expect(customer.get_by_test_id("flash").first).to_contain_text("Type your full name")
    customer.get_by_label("Your full name, as your signature").fill("Ivan Numbat")
    customer.get_by_label("I accept proposal").check()
    customer.get_by_test_id("accept").click()
    expect(customer.get_by_test_id("proposal-accepted")).to_contain_text("Ivan Numbat")
    expect(customer.get_by_test_id("accept-form")).to_have_count(0)
    customer.context.close()

    done = in_company("chain_co", django_db_blocker, the_order)
    assert done["status"] == "accepted"
    assert done["order"]
    # racks 12,000 + trucks 90,000 at 12 % off
    assert done["total"] == "91200.00"
    rep.reload()
    expect(rep.get_by_test_id("proposal-acceptance")).to_contain_text("Ivan Numbat")
    expect(rep.get_by_test_id("proposal-views")).to_contain_text("once")
    rep.get_by_test_id("proposal-order").click()
    expect(rep.get_by_test_id("order-status")).to_contain_text("Placed")
    rep.context.close()
