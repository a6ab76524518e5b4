"""Portal card payments on the company's own Stripe account (Connect): onboarding, Checkout in
payment mode, the Connect webhook marking the order paid on the contact's timeline, refunds from
the CRM order page. Stripe is the local Stripe-format server (tests/billing/stripe_server.py),
the webhook is signed with Stripe's scheme; the production code path is the same."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import ConnectedAccount
from crm_core.activities.models import Interaction
from crm_core.commerce.models import Order, Payment
from portal.models import Address
from tests.billing.stripe_fixtures import deliver, subscription_of
from tests.billing.stripe_server import event
from tests.portal.test_shop import add

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected_a(tenant_a, stripe_api, paid_plan) -> str:
    """Alpha on the Team plan, its Stripe account onboarded through the billing page."""
    subscription = subscription_of(tenant_a)
    subscription.plan = paid_plan
    subscription.save()
    owner = tenant_a.client(tenant_a.owner())
    response = owner.post("/settings/billing/connect/")
    assert response.status_code == 302
    account_id = ConnectedAccount.objects.get(tenant=tenant_a.tenant).account_id
    assert response["Location"] == f"{stripe_api.url}/onboarding/{account_id}"
    stripe_api.accounts[account_id]["charges_enabled"] = True
    stripe_api.accounts[account_id]["details_submitted"] = True
    owner.get("/settings/billing/connect/return/")
    assert ConnectedAccount.objects.get(account_id=account_id).charges_enabled
    return account_id


def _pay_by_card(tenant_a, customer, catalogue_a, stripe_api) -> tuple[Order, dict]:
    client = tenant_a.client(customer.user)
    add(client, catalogue_a["bolts"], 2)
    add(client, catalogue_a["nuts"], 1)
    page = client.get("/portal/checkout/").content.decode()
    assert 'data-testid="payment-choice"' in page
    with tenant_a.active():
        address = Address.objects.get(contact=customer.contact)
    response = client.post("/portal/checkout/", {"address": address.pk, "payment_method": "card"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{stripe_api.url}/pay/cs_")
    session_id = response["Location"].rsplit("/", 1)[1]
    return _order_of(tenant_a, customer), stripe_api.sessions[session_id]


def _order_of(tenant_a, customer) -> Order:
    with tenant_a.active():
        return Order.objects.get(contact=customer.contact)


def test_a_customer_pays_by_card_and_staff_see_it_paid(
    tenant_a, customer, catalogue_a, stripe_api, connected_a
):
    order, session = _pay_by_card(tenant_a, customer, catalogue_a, stripe_api)
    (created,) = stripe_api.calls_to("POST", "/v1/checkout/sessions")
    assert created.account == connected_a
    assert created.params["mode"] == "payment"
    assert created.params["line_items[0][price_data][currency]"] == "rub"
    assert {
        created.params["line_items[0][price_data][unit_amount]"],
        created.params["line_items[1][price_data][unit_amount]"],
    } == {"1050", "300"}
    assert order.status == Order.Status.PLACED
    assert order.payment_method == "card"

    paid = dict(session, status="complete", payment_status="paid", payment_intent="pi_123")
    body = event("checkout.session.completed", paid, account=connected_a)
    for _ in range(2):  # a replay changes nothing
        assert deliver(body).status_code == 200
    with tenant_a.active():
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        payment = Payment.objects.get(order=order)
        assert payment.status == Payment.Status.PAID
        assert payment.payment_intent_id == "pi_123"
        assert payment.amount == Decimal("24.00")
        timeline = Interaction.objects.filter(
            contact=customer.contact, subject__startswith="Card payment received"
        )
        assert timeline.count() == 1
    staff_page = tenant_a.client(tenant_a.owner()).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="payment-status">Paid' in staff_page
    customer_page = tenant_a.client(customer.user).get(f"/portal/orders/{order.pk}/").content
    assert b'data-testid="payment-paid"' in customer_page


def test_refunds_from_the_order_page_go_to_stripe_on_the_companys_account(
    tenant_a, tenant_b, customer, catalogue_a, stripe_api, connected_a
):
    order, session = _pay_by_card(tenant_a, customer, catalogue_a, stripe_api)
    paid = dict(session, payment_status="paid", payment_intent="pi_777")
    deliver(event("checkout.session.completed", paid, account=connected_a))
    with tenant_a.active():
        payment = Payment.objects.get(order=order)
    url = f"/orders/{order.pk}/payments/{payment.pk}/refund/"
    # another company's staff cannot reach it
    assert tenant_b.client(tenant_b.owner()).post(url, {"amount": "1"}).status_code == 404
    owner = tenant_a.client(tenant_a.owner())
    too_much = owner.post(url, {"amount": "99"}, follow=True)
    assert "At most 24.00 RUB can still be refunded" in too_much.content.decode()
    assert owner.post(url, {"amount": "4.00"}).status_code == 302
    (refund,) = stripe_api.calls_to("POST", "/v1/refunds")
    assert refund.account == connected_a
    assert refund.params == {
        "payment_intent": "pi_777",
        "amount": "400",
        "metadata[order_id]": str(order.pk),
    }
    with tenant_a.active():
        payment.refresh_from_db()
        assert payment.status == Payment.Status.PARTIALLY_REFUNDED
        assert payment.refunded == Decimal("4.00")
    # Stripe then reports the charge refunded: nothing is counted twice
    charge = {"id": "ch_1", "object": "charge", "payment_intent": "pi_777", "amount_refunded": 400}
    deliver(event("charge.refunded", charge, account=connected_a))
    # a later refund made in Stripe's dashboard is taken in
    deliver(event("charge.refunded", dict(charge, amount_refunded=2400), account=connected_a))
    with tenant_a.active():
        payment.refresh_from_db()
        assert payment.status == Payment.Status.REFUNDED
        assert payment.refunded == Decimal("24.00")
        refunds = Interaction.objects.filter(subject__startswith="Refund for order")
        assert refunds.count() == 2


def test_a_connect_event_reaches_only_the_company_of_its_account(
    tenant_a, tenant_b, customer, catalogue_a, stripe_api, connected_a
):
    order, session = _pay_by_card(tenant_a, customer, catalogue_a, stripe_api)
    ConnectedAccount.objects.create(tenant=tenant_b.tenant, account_id="acct_beta")
    paid = dict(session, payment_status="paid", payment_intent="pi_x")
    # the same session id, reported for beta's account, pays nothing at alpha
    deliver(event("checkout.session.completed", paid, account="acct_beta"))
    with tenant_a.active():
        assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    with tenant_b.active():
        assert not Payment.objects.exists()


def test_without_card_payments_checkout_offers_the_invoice_only(tenant_a, customer, catalogue_a):
    client = tenant_a.client(customer.user)
    add(client, catalogue_a["bolts"])
    page = client.get("/portal/checkout/").content.decode()
    assert 'data-testid="payment-choice"' not in page
    with tenant_a.active():
        address = Address.objects.get(contact=customer.contact)
    refused = client.post(
        "/portal/checkout/", {"address": address.pk, "payment_method": "card"}, follow=True
    )
    # the field is not offered, so the order is placed on invoice
    assert refused.status_code == 200
    assert _order_of(tenant_a, customer).payment_method == "invoice"


def test_the_portal_api_pays_an_unpaid_order_again(
    tenant_a, customer, catalogue_a, stripe_api, connected_a
):
    order, session = _pay_by_card(tenant_a, customer, catalogue_a, stripe_api)
    expired = dict(session, status="expired")
    assert (
        deliver(event("checkout.session.expired", expired, account=connected_a)).status_code == 200
    )
    api = tenant_a.client(customer.user)
    response = api.post(f"/api/v1/portal/orders/{order.pk}/pay/")
    assert response.status_code == 201
    url = response.json()["checkout_url"]
    assert url.startswith(f"{stripe_api.url}/pay/cs_")
    assert url != f"{stripe_api.url}/pay/{session['id']}"  # a new session, the old one expired
    created = stripe_api.calls_to("POST", "/v1/checkout/sessions")[-1]
    assert (
        created.params["success_url"] == f"http://{tenant_a.host}/portal/orders/{order.pk}/?paid=1"
    )

    # once paid, it cannot be paid again; the reason comes back
    new_session = stripe_api.sessions[url.rsplit("/", 1)[1]]
    paid = dict(new_session, status="complete", payment_status="paid", payment_intent="pi_9")
    assert (
        deliver(event("checkout.session.completed", paid, account=connected_a)).status_code == 200
    )
    again = api.post(f"/api/v1/portal/orders/{order.pk}/pay/")
    assert again.status_code == 400
    assert "Only a placed, unpaid order" in again.json()["detail"]
