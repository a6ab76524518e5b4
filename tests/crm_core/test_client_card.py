"""The 360-degree card's profitability, buying habits, deferred orders and service summary, and
the company card's revenue, orders and deals (issue 23), over what the reader may see."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_defer,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.deals.models import Pipeline
from crm_core.deals.services import deal_create
from crm_core.parties.services import company_create, contact_create
from crm_core.support.models import Ticket
from crm_core.support.services import ticket_open
from crm_core.workspace.services import exchange_rate_add
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def paid_on(owner, order: Order, day: date) -> None:
    order_status_change(actor=owner, order=order, status=Order.Status.PLACED)
    order_status_change(actor=owner, order=order, status=Order.Status.PAID)
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    Order.objects.filter(pk=order.pk).update(paid_at=moment)


@pytest.fixture
def client_history(tenant_a):
    """Three paid orders 10 and 20 days apart (one in EUR), a deferred draft, two requests."""
    owner = tenant_a.owner()
    with tenant_a.active():
        firm = company_create(actor=owner, data={"name": "Kestrel"})
        buyer = contact_create(actor=owner, data={"first_name": "Bea", "company": firm})
        bolts = product_save(
            product=None, data={"sku": "B", "name": "Bolts", "cost_price": Decimal("6")}
        )
        nuts = product_save(product=None, data={"sku": "N", "name": "Nuts"})
        retail = price_list_save(
            price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
        )
        prices_set(price_list=retail, prices={bolts.pk: Decimal("10"), nuts.pk: Decimal("5")})
        first = order_create(
            actor=owner, contact=buyer, lines=[LineRequest(bolts, Decimal("10"))]
        )  # 100, cost 60
        second = order_create(
            actor=owner,
            contact=buyer,
            lines=[LineRequest(bolts, Decimal("5")), LineRequest(nuts, Decimal("4"))],
        )  # 50 + 20, cost 30
        paid_on(owner, first, date(2026, 11, 1))
        paid_on(owner, second, date(2026, 11, 11))
        # the third in EUR, at 100 roubles the euro: 2 × 1 EUR = 200 RUB
        export = price_list_save(price_list=None, data={"name": "Export", "currency": "EUR"})
        prices_set(price_list=export, prices={nuts.pk: Decimal("1")})
        exchange_rate_add(currency="EUR", rate=Decimal("100"), valid_from=date(2026, 1, 1))
        buyer.segment = None
        third = order_create(actor=owner, contact=buyer, lines=[LineRequest(nuts, Decimal("2"))])
        Order.objects.filter(pk=third.pk).update(currency="EUR", total=Decimal("2"))
        third.lines.update(total=Decimal("2"), unit_price=Decimal("1"))
        paid_on(owner, Order.objects.get(pk=third.pk), date(2026, 12, 1))
        later = order_create(actor=owner, contact=buyer, lines=[LineRequest(nuts, Decimal("1"))])
        order_defer(actor=owner, order=later, until=timezone.localdate() + timedelta(days=9))
        late = ticket_open(actor=owner, contact=buyer, subject="Late delivery", body="Where?")
        Ticket.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
        ticket_open(actor=owner, contact=buyer, subject="Invoice copy", body="Please")
        sales = Pipeline.objects.get()
        stages = {stage.name: stage for stage in sales.stages.all()}
        deal_create(
            actor=owner,
            data={"title": "Big order", "company": firm, "amount": Decimal("9000")},
        )
        deal_create(
            actor=owner,
            data={
                "title": "Won order",
                "company": firm,
                "contact": buyer,
                "amount": Decimal("700"),
                "stage": stages["Won"],
            },
        )
    return {"owner": owner, "firm": firm, "buyer": buyer, "later": later}


def test_the_contact_card_shows_profitability_habits_deferred_orders_and_service(
    tenant_a, client_history
):
    page = tenant_a.client(client_history["owner"]).get(f"/contacts/{client_history['buyer'].pk}/")
    html = page.content.decode()

    def figure(test_id: str) -> str:
        start = html.index(f'data-testid="{test_id}">') + len(f'data-testid="{test_id}">')
        return html[start : html.index("<", start)].strip()

    assert figure("habits-revenue") == "370.00 RUB"  # 100 + 70 + 200
    # margin over the lines with a cost: bolts sold for 150, costing 90
    assert figure("habits-margin") == "60.00 RUB"
    assert "on 41% of the revenue" in html  # 150 of 370
    assert figure("habits-orders") == "3"
    assert figure("habits-average") == "123.33 RUB"
    assert figure("habits-frequency") == "every 15 days"  # Nov 1 → Dec 1, three orders
    assert figure("habits-last") == "12/01/2026"
    top = html[html.index('data-testid="habits-top"') :]
    assert top.index("Nuts") < top.index("Bolts")  # 220 RUB of nuts, 150 of bolts
    deferred = html[html.index('data-testid="contact-deferred-orders"') :]
    assert f"№ {client_history['later'].number}" in deferred[:600]
    assert figure("service-open") == "2"
    assert figure("service-overdue") == "1"


def test_the_company_card_shows_revenue_orders_and_deals(tenant_a, client_history):
    html = (
        tenant_a.client(client_history["owner"])
        .get(f"/companies/{client_history['firm'].pk}/")
        .content.decode()
    )
    assert 'data-testid="habits-revenue">370.00 RUB' in html
    assert 'data-testid="figure-open-deals">1<' in html
    assert "9,000 RUB" in html[html.index('data-testid="deals-open-total"') :][:200]
    assert "700 RUB" in html[html.index('data-testid="deals-won-total"') :][:200]
    orders = html[html.index('data-testid="company-orders"') :][:2000]
    assert orders.count("№ ") == 4
    assert 'data-testid="service-open">2' in html


def test_the_figures_count_only_what_the_reader_sees(tenant_a, client_history):
    """A rep who sees the company (it is theirs now) but none of its orders or deals."""
    rep = tenant_a.make_user(Role.SALES_REP)
    with tenant_a.active():
        firm = client_history["firm"]
        firm.owner = rep
        firm.save()
    html = tenant_a.client(rep).get(f"/companies/{firm.pk}/").content.decode()
    assert "No paid orders yet." in html
    assert 'data-testid="figure-open-deals">0<' in html
    assert "9,000" not in html


def test_the_card_in_russian(tenant_a, client_history):
    client = tenant_a.client(client_history["owner"], HTTP_ACCEPT_LANGUAGE="ru")
    html = client.get(f"/contacts/{client_history['buyer'].pk}/").content.decode()
    assert "Доходность и привычки покупок" in html
    assert "каждые 15 дней" in html
    assert "370,00 RUB" in html
