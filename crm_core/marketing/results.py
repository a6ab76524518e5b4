"""What a campaign brought: the deals its touches led to, under an attribution model, their
won revenue, the cost per lead and the return on what it cost.

A *touch* is a member who went as far as clicking, responding or converting (the step's day
is the touch's); a deal is led to by the touches of its person in the ATTRIBUTION_WINDOW
before it was created. First touch credits the earliest campaign of those touches, last touch
the latest, linear each touch an equal share. Only deals and members the reader sees count;
a deal with no person (a company's alone) has no touches."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Max, Min
from django.utils.translation import gettext_lazy as _

from crm_core.deals.selectors import deals_visible
from crm_core.marketing.models import Campaign, CampaignMember
from crm_core.marketing.services import members_visible
from crm_core.workspace.services import convert_sum
from tenants.identity.models import User

ATTRIBUTION_WINDOW = timedelta(days=90)
TOUCH_STEPS = (
    CampaignMember.Status.CLICKED,
    CampaignMember.Status.RESPONDED,
    CampaignMember.Status.CONVERTED,
)
CENT = Decimal("0.01")


class Attribution(models.TextChoices):
    FIRST_TOUCH = "first_touch", _("First touch")
    LAST_TOUCH = "last_touch", _("Last touch")
    LINEAR = "linear", _("Linear")


@dataclass
class Results:
    model: str
    touches: int = 0
    deals: Decimal = Decimal(0)  # credited: whole deals under first/last touch, shares if linear
    won_deals: Decimal = Decimal(0)
    won_revenue: Decimal = Decimal(0)  # in the base currency
    cost: Decimal = Decimal(0)  # in the base currency
    currency: str = ""
    cost_per_lead: Decimal | None = None
    roi: Decimal | None = None  # (won revenue - cost) / cost, as a percentage
    missing: list[str] = field(default_factory=list)  # rates that were not there

    @property
    def model_label(self) -> str:
        return str(Attribution(self.model).label)


def _weight(model: str, touches: list[int], campaign_id: int) -> Decimal:
    """The share of a deal credited to the campaign, from the campaigns of its touches in
    time order."""
    if model == Attribution.FIRST_TOUCH:
        return Decimal(touches[0] == campaign_id)
    if model == Attribution.LAST_TOUCH:
        return Decimal(touches[-1] == campaign_id)
    return Decimal(touches.count(campaign_id)) / len(touches)


def campaign_results(*, campaign: Campaign, user: User, model: str) -> Results:
    if model not in Attribution.values:
        model = Attribution.LINEAR
    results = Results(model=model)
    touched = members_visible(campaign=campaign, user=user).filter(status__in=TOUCH_STEPS)
    span = touched.aggregate(first=Min("changed_at"), last=Max("changed_at"))
    results.touches = touched.count()
    deals = []
    if span["first"] is not None:
        deals = list(
            deals_visible(user=user)
            .filter(
                contact__in=touched.values("contact_id"),
                created_at__gt=span["first"],
                created_at__lte=span["last"] + ATTRIBUTION_WINDOW,
            )
            .values_list(
                "pk", "contact_id", "created_at", "amount", "currency", "closed_at", "stage__is_won"
            )
        )
    # every campaign's touches of these people, in time order
    history: dict[int, list[tuple]] = {}
    for contact_id, campaign_id, at in (
        CampaignMember.objects.filter(
            contact__in={deal[1] for deal in deals}, status__in=TOUCH_STEPS
        )
        .exclude(changed_at=None)
        .order_by("changed_at", "id")
        .values_list("contact_id", "campaign_id", "changed_at")
    ):
        history.setdefault(contact_id, []).append((at, campaign_id))
    revenue = []
    for _pk, contact_id, created_at, amount, currency, closed_at, is_won in deals:
        before = [
            campaign_id
            for at, campaign_id in history.get(contact_id, [])
            if created_at - ATTRIBUTION_WINDOW <= at < created_at
        ]
        if campaign.pk not in before:
            continue
        weight = _weight(model, before, campaign.pk)
        results.deals += weight
        if is_won:
            results.won_deals += weight
            day = (closed_at or created_at).date()
            revenue.append(((amount or Decimal(0)) * weight, currency, day))
    won = convert_sum(revenue)
    cost = convert_sum([(campaign.actual_cost, campaign.currency, campaign.starts_on)])
    results.won_revenue, results.cost = won.amount, cost.amount
    results.currency = won.currency
    results.missing = [*won.missing, *cost.missing]
    results.deals = results.deals.quantize(CENT)
    results.won_deals = results.won_deals.quantize(CENT)
    if results.deals:
        results.cost_per_lead = (results.cost / results.deals).quantize(CENT)
    if results.cost:
        results.roi = ((results.won_revenue - results.cost) / results.cost * 100).quantize(
            Decimal("0.1")
        )
    return results
