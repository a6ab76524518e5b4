"""Client value (issue 24): RFM scores and segments from paid orders, lifetime revenue and margin,
churn risk (no purchase for much longer than the client's usual interval), cross-sell from
products bought together with support and lift; on the client card, as list filters and on the
analytics page; kept current when an order is paid; the reader's visibility applies."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.analytics.metrics import BUILTIN, evaluate
from crm_core.analytics.periods import Period
from crm_core.commerce.client_value import client_values_rescore, cross_sell_for
from crm_core.commerce.models import ClientValue, Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.parties.services import contact_create
from crm_core.support.models import Ticket
from crm_core.support.services import ticket_open, ticket_reply
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def _paid(actor, contact, products, days_ago: int) -> Order:
    order = order_create(
        actor=actor,
        contact=contact,
        lines=[LineRequest(product, Decimal("1")) for product in products],
    )
    for status in ("placed", "paid"):
        order = order_status_change(actor=actor, order=order, status=status)
    Order.objects.filter(pk=order.pk).update(paid_at=timezone.now() - timedelta(days=days_ago))
    return order


@pytest.fixture
def buyers(tenant_a):
    owner = tenant_a.owner()
    rep = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep")
    with tenant_a.active():
        anvil = product_save(
            product=None, data={"sku": "AN", "name": "Anvil", "cost_price": Decimal("60")}
        )
        bellows = product_save(product=None, data={"sku": "BE", "name": "Bellows"})
        chisel = product_save(product=None, data={"sku": "CH", "name": "Chisel"})
        retail = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        prices_set(
            price_list=retail,
            prices={anvil.pk: Decimal("100"), bellows.pk: Decimal("40"), chisel.pk: Decimal("10")},
        )
        clients = {
            name: contact_create(actor=rep if name == "Cora" else owner, data={"first_name": name})
            for name in ("Ada", "Bo", "Cora", "Dan", "Eve", "Gus", "Hal")
        }
        for days in (25, 15, 5):
            _paid(owner, clients["Ada"], [anvil, bellows], days)
        _paid(owner, clients["Bo"], [anvil, bellows], 200)
        for days in (110, 100):
            _paid(rep, clients["Cora"], [anvil], days)
        _paid(owner, clients["Dan"], [anvil, chisel], 30)
        _paid(owner, clients["Eve"], [bellows, chisel], 8)
        _paid(owner, clients["Gus"], [chisel], 40)
        _paid(owner, clients["Hal"], [chisel], 50)
        client_values_rescore()
    return owner, rep, clients, {"anvil": anvil, "bellows": bellows, "chisel": chisel}


def test_rfm_revenue_margin_and_churn_from_the_paid_orders(tenant_a, buyers):
    owner, rep, clients, products = buyers
    with tenant_a.active():
        values = {
            value.contact.first_name: value
            for value in ClientValue.objects.select_related("contact")
        }
    ada, cora = values["Ada"], values["Cora"]
    assert (ada.orders, ada.revenue, ada.margin) == (3, Decimal("420.00"), Decimal("120.00"))
    assert ada.usual_interval_days == 10.0
    assert ada.recency_score == 5
    assert ada.segment in ("champions", "loyal")
    assert ada.churn_risk is False
    # bought every 10 days, nothing for 100
    assert (cora.usual_interval_days, cora.churn_risk) == (10.0, True)
    assert values["Bo"].segment in ("lost", "attention")
    assert values["Eve"].margin is None  # no cost prices on what she bought


def test_cross_sell_from_products_bought_together(tenant_a, buyers):
    owner, rep, clients, products = buyers
    with tenant_a.active():
        offers = cross_sell_for(contact_id=clients["Cora"].pk)
    assert [(offer.product.name, offer.because.name) for offer in offers] == [("Bellows", "Anvil")]
    # Ada and Bo of the four Anvil buyers took Bellows; 3 of 7 clients buy Bellows
    assert (offers[0].together, offers[0].confidence, offers[0].lift) == (2, 50.0, 1.17)


def test_the_card_the_list_filters_and_the_page(tenant_a, buyers):
    owner, rep, clients, products = buyers
    client = tenant_a.client(owner)
    card = client.get(f"/contacts/{clients['Cora'].pk}/").content.decode()
    assert 'data-testid="churn-risk"' in card
    assert "Bellows</a>" in card.split('data-testid="cross-sell"', 1)[1]
    at_risk = client.get("/contacts/?churn_risk=true").content.decode()
    assert "Cora" in at_risk
    assert ">Ada<" not in at_risk
    with tenant_a.active():
        ada_segment = ClientValue.objects.get(contact=clients["Ada"]).segment
    listed = client.get(f"/contacts/?value_segment={ada_segment}").content.decode()
    assert ">Ada</a>" in listed
    assert client.get("/api/v1/contacts/?value_segment=royalty").status_code == 400
    page = client.get("/analytics/clients/?range=last_12_months").content.decode()
    assert "Anvil" in page.split('data-testid="top-products"', 1)[1]
    assert "Cora" in page.split('data-testid="at-risk"', 1)[1]
    mine = tenant_a.client(rep).get("/analytics/clients/").content.decode()
    assert ">Ada</a>" not in mine
    assert "Cora" in mine
    assert tenant_a.client(rep).post("/analytics/clients/score/").status_code == 403
    assert client.post("/analytics/clients/score/").status_code == 302


def test_paying_an_order_brings_the_client_in_at_once(
    tenant_a, buyers, django_capture_on_commit_callbacks
):
    owner, rep, clients, products = buyers
    with tenant_a.active():
        fay = contact_create(actor=owner, data={"first_name": "Fay"})
        with django_capture_on_commit_callbacks(execute=True):
            _paid(owner, fay, [products["chisel"]], 0)
        value = ClientValue.objects.get(contact=fay)
    assert (value.orders, value.revenue) == (1, Decimal("10.00"))
    assert value.segment


def test_cross_sell_as_a_list_of_clients_to_offer_a_product_to(tenant_a, buyers):
    owner, rep, clients, products = buyers
    client = tenant_a.client(owner)
    page = client.get(f"/contacts/?offer={products['bellows'].pk}").content.decode()
    rows = page.split('id="rows"', 1)[1]
    # Anvil leads to Bellows (lift above 1): Cora and Dan bought Anvil, not Bellows
    assert ">Cora</a>" in rows
    assert ">Dan</a>" in rows
    assert ">Ada</a>" not in rows  # she has it already
    listed = client.get(f"/api/v1/contacts/?offer={products['bellows'].pk}").json()
    assert sorted(row["first_name"] for row in listed["results"]) == ["Cora", "Dan"]
    assert (
        "other clients to offer it to"
        in client.get(f"/contacts/{clients['Cora'].pk}/").content.decode()
    )


def test_order_margin_and_support_metrics(tenant_a, buyers):
    """The built-in order, margin and support metrics from the same records."""
    owner, rep, clients, products = buyers
    year = Period(timezone.localdate() - timedelta(days=364), timezone.localdate())
    with tenant_a.active():
        agent = tenant_a.make_user(Role.SUPPORT, full_name="Sam Support")
        late = ticket_open(actor=owner, contact=clients["Ada"], subject="Late", body="Where?")
        Ticket.objects.filter(pk=late.pk).update(
            assignee=agent, created_at=timezone.now() - timedelta(hours=5)
        )
        late.refresh_from_db()
        ticket_reply(actor=agent, ticket=late, body="On its way")
        ticket_open(actor=owner, contact=clients["Bo"], subject="Waiting", body="?")

        def value(key):
            return evaluate(BUILTIN[key], user=owner, period=year).total.value

        # anvils sold at 100 with a cost of 60: Ada 3, Bo 1, Cora 2, Dan 1
        assert value("margin") == Decimal("280.00")
        assert value("orders") == 10
        assert value("order_revenue") == Decimal("940.00")
        assert value("tickets_opened") == 2
        assert value("tickets_answered") == 1
        assert value("first_response") == 5.0
        assert evaluate(BUILTIN["tickets_opened"], user=rep, period=year).total.value == 0
