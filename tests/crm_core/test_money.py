from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm_core.deals.models import Pipeline
from crm_core.deals.selectors import pipeline_forecast
from crm_core.deals.services import deal_create
from crm_core.parties.services import contact_create
from crm_core.workspace.services import convert_sum, exchange_rate_add
from tenants.identity.roles import Role

pytestmark = pytest.mark.django_db


def test_amounts_convert_at_the_rate_of_their_date_and_say_what_is_missing(tenant_a):
    with tenant_a.active():
        exchange_rate_add(currency="eur", valid_from=date(2026, 1, 1), rate=Decimal("90"))
        exchange_rate_add(currency="EUR", valid_from=date(2026, 6, 1), rate=Decimal("100"))
        result = convert_sum(
            [
                (Decimal("10"), "EUR", date(2026, 3, 1)),  # 900 at the January rate
                (Decimal("10"), "EUR", date(2026, 7, 1)),  # 1000 at the June rate
                (Decimal("500"), "RUB", date(2026, 7, 1)),  # base currency
                (Decimal("5"), "USD", date(2026, 7, 1)),  # no rate: not counted, and said so
                (Decimal("1"), "EUR", date(2025, 12, 31)),  # before the first rate
            ]
        )
    assert result.amount == Decimal("2400.00")
    assert result.currency == "RUB"
    assert result.missing == [
        "No USD rate on or before 2026-07-01.",
        "No EUR rate on or before 2025-12-31.",
    ]


def test_the_board_forecast_is_weighted_and_converted(tenant_a):
    owner = tenant_a.owner()
    close = timezone.localdate() + timedelta(days=30)
    with tenant_a.active():
        exchange_rate_add(
            currency="EUR", valid_from=timezone.localdate() - timedelta(days=1), rate=Decimal("100")
        )
        pipeline = Pipeline.objects.get()
        proposal = pipeline.stages.get(name="Proposal")
        buyer = contact_create(actor=owner, data={"first_name": "B"})
        for amount, currency in (("1000", "EUR"), ("20000", "RUB")):
            deal_create(
                actor=owner,
                data={
                    "title": amount,
                    "stage": proposal,
                    "contact": buyer,
                    "amount": Decimal(amount),
                    "currency": currency,
                    "expected_close": close,
                },
            )
        forecast = pipeline_forecast(user=owner, pipeline=pipeline)
    assert (forecast.amount, forecast.currency, forecast.missing) == (
        Decimal("60000.00"),
        "RUB",
        [],
    )
    page = tenant_a.client(owner).get("/deals/").content.decode()
    assert "60,000 RUB" in page


def test_rates_are_validated_and_managed_by_admins(tenant_a):
    client = tenant_a.client(tenant_a.owner())
    for body, message in (
        ({"currency": "RUB", "valid_from": "2026-01-01", "rate": "1"}, "This is the base currency"),
        (
            {"currency": "EUR", "valid_from": "", "rate": "90"},
            "Enter the day the rate applies from.",
        ),
        ({"currency": "EUR", "valid_from": "2026-01-01", "rate": "-1"}, "A rate is above zero."),
    ):
        response = client.post("/settings/currencies/", body, follow=True)
        assert message in response.content.decode()
    client.post(
        "/settings/currencies/", {"currency": "EUR", "valid_from": "2026-01-01", "rate": "90,5"}
    )
    again = client.post(
        "/settings/currencies/",
        {"currency": "EUR", "valid_from": "2026-01-01", "rate": "91"},
        follow=True,
    )
    assert "EUR already has a rate from that day." in again.content.decode()
    rep = tenant_a.make_user(Role.SALES_REP)
    assert (
        tenant_a.client(rep).post("/settings/currencies/", {"currency": "USD"}).status_code == 403
    )
