"""Two reps' deals over October and November 2026 in two currencies: the figures the analytics
tests (unit, page and browser) check against."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from crm_core.commerce.models import Order
from crm_core.commerce.services import (
    LineRequest,
    order_create,
    order_status_change,
    price_list_save,
    prices_set,
    product_save,
)
from crm_core.deals.models import Deal, PipelineStage
from crm_core.deals.services import deal_create
from crm_core.goals.services import goal_set
from crm_core.parties.services import contact_create
from crm_core.workspace.services import exchange_rate_add
from tenants.identity.models import Team
from tenants.identity.roles import Role


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def deal_made(actor, contact, *, stage, amount, currency="RUB", closed=None, created=None):
    deal = deal_create(
        actor=actor,
        data={
            "title": f"{stage.name} {amount} {currency}",
            "contact": contact,
            "stage": stage,
            "amount": Decimal(amount),
            "currency": currency,
            "lost_reason": "price" if stage.is_lost else "",
            "expected_close": date(2026, 11, 28),
        },
    )
    changes = {}
    if closed:
        changes["closed_at"] = at(closed)
    if created:
        changes["created_at"] = at(created)
    Deal.objects.filter(pk=deal.pk).update(**changes)
    return deal


def sales_history(tenant_a):
    """Rita (team North) and Rob (no team): November's and October's deals in two currencies.
    Returns the owner, Rita, Rob and the team."""
    owner = tenant_a.owner()
    domain = tenant_a.tenant.schema_name.replace("_", "-")
    rita = tenant_a.make_user(Role.SALES_REP, full_name="Rita Rep", email=f"rita@{domain}.test")
    rob = tenant_a.make_user(Role.SALES_REP, full_name="Rob Rep", email=f"rob@{domain}.test")
    with tenant_a.active():
        north = Team.objects.create(name="North")
        rita.team = north
        rita.save(update_fields=["team"])
        won = PipelineStage.objects.get(is_won=True)
        lost = PipelineStage.objects.get(is_lost=True)
        open_stage = PipelineStage.objects.filter(is_won=False, is_lost=False).first()
        exchange_rate_add(currency="EUR", valid_from=date(2026, 1, 1), rate=Decimal("90"))
        exchange_rate_add(currency="EUR", valid_from=date(2026, 11, 15), rate=Decimal("100"))
        mira = contact_create(actor=rita, data={"first_name": "Mira"})
        oleg = contact_create(actor=rob, data={"first_name": "Oleg"})
        deal_made(
            rita,
            mira,
            stage=won,
            amount="1000",
            closed=date(2026, 11, 10),
            created=date(2026, 10, 31),
        )
        deal_made(
            rita,
            mira,
            stage=won,
            amount="100",
            currency="EUR",
            closed=date(2026, 11, 20),
            created=date(2026, 11, 10),
        )
        deal_made(rita, mira, stage=lost, amount="70", closed=date(2026, 11, 3))
        deal_made(
            rob, oleg, stage=won, amount="500", closed=date(2026, 10, 5), created=date(2026, 9, 5)
        )
        deal_made(
            rob,
            oleg,
            stage=won,
            amount="80",
            currency="EUR",
            closed=date(2026, 11, 2),
            created=date(2026, 11, 1),
        )
        deal_made(rob, oleg, stage=open_stage, amount="300")
    return owner, rita, rob, north


def paid_order(rep, *, amount: str = "1000", quantity: int = 1, day: date = date(2026, 11, 10)):
    """An order of the rep's paid on `day` (placed the same day): one product at `amount` RUB."""
    anvil = product_save(product=None, data={"sku": "AN", "name": "Anvil"})
    retail = price_list_save(
        price_list=None, data={"name": "Retail", "currency": "RUB", "is_default": True}
    )
    prices_set(price_list=retail, prices={anvil.pk: Decimal(amount)})
    buyer = contact_create(actor=rep, data={"first_name": "Boris"})
    order = order_create(actor=rep, contact=buyer, lines=[LineRequest(anvil, Decimal(quantity))])
    for status in ("placed", "paid"):
        order = order_status_change(actor=rep, order=order, status=status)
    Order.objects.filter(pk=order.pk).update(placed_at=at(day), paid_at=at(day))
    return order


def person_goal(owner, person, metric: str, target, **extra):
    """A person's goal set by the owner (`extra`: period_kind, day, ramp...; this month when
    no period is given)."""
    data = {"metric": metric, "level": "person", "person": person.pk, "target": target}
    return goal_set(actor=owner, data=data | extra)
