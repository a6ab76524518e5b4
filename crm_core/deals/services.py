"""Deals in pipelines: create, edit, and move through stages whose gates must be satisfied."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.commerce.models import PriceList, Product
from crm_core.commerce.services import price_list_for
from crm_core.common.figures import figures_soon
from crm_core.common.indexing import search_soon
from crm_core.common.services import owner_resolve, record_update
from crm_core.common.visibility import can_assign_owners
from crm_core.deals import live
from crm_core.deals.models import (
    GATE_FIELDS,
    CreditSplit,
    Deal,
    DealLine,
    DealMove,
    Pipeline,
    PipelineStage,
)
from crm_core.deals.pipelines import pipelines_active, stages_active, stages_create
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from tenants.identity.models import User

DEAL_FIELDS = (
    "title",
    "amount",
    "currency",
    "contact",
    "company",
    "expected_close",
    "description",
    "lost_reason",
    "forecast_category",
)


def _deal_update(deal: Deal, changes: dict, expected_version: int | None) -> Deal:
    """Save the changes (refused if someone saved first), push them to the open pages (a
    reassignment also tells the board groups of the previous owner and team) and index them."""
    before = (deal.owner_id, deal.team_id)
    deal = record_update(instance=deal, changes=changes, expected_version=expected_version)
    live.deal_changed(deal, before=before if "owner" in changes else None)
    search_soon()
    figures_soon()
    return deal


def _empty(value: Any) -> bool:
    return value is None or value == ""


def gate_missing(stage: PipelineStage, values: dict[str, Any]) -> list[str]:
    """Labels of the fields `stage` requires that `values` leaves empty, and the names of the
    products it requires that are not among the deal's lines (`values["product_ids"]`)."""
    missing = [
        str(GATE_FIELDS[name])
        for name in stage.required_fields
        if name in GATE_FIELDS and _empty(values.get(name))
    ]
    have = values.get("product_ids") or set()
    missing += [product.name for product in stage.required_products.all() if product.pk not in have]
    return missing


def _gate_error(stage: PipelineStage, missing: list[str]) -> ValidationError:
    return ValidationError(
        {
            "stage": [
                _("To enter “%(stage)s”, fill in: %(fields)s.")
                % {"stage": stage.name, "fields": ", ".join(missing)}
            ]
        }
    )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    fields = {key: value for key, value in data.items() if key in DEAL_FIELDS}
    if "title" in fields and not str(fields["title"] or "").strip():
        raise ValidationError({"title": [_("Give the deal a title.")]})
    if "currency" in fields:
        fields["currency"] = str(fields["currency"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", fields["currency"]):
            raise ValidationError(
                {"currency": [_("A currency is a three-letter code such as RUB.")]}
            )
    if fields.get("amount") is not None and fields["amount"] < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    return fields


def _values(deal: Deal) -> dict[str, Any]:
    values = {name: getattr(deal, name) for name in GATE_FIELDS if name != "products"}
    product_ids = set(deal.lines.values_list("product_id", flat=True)) if deal.pk else set()
    values["products"] = bool(product_ids) or None
    values["product_ids"] = product_ids
    return values


@dataclass(frozen=True)
class DealLineRequest:
    product: Product
    quantity: Decimal
    unit_price: Decimal | None = None  # None: the client's price list price
    discount_percent: Decimal = Decimal(0)


@transaction.atomic
def deal_lines_set(
    *, actor: User, deal: Deal, lines: list[DealLineRequest], expected_version: int | None = None
) -> Deal:
    """Replace the deal's products. Prices come from the client's price list unless typed;
    with products, the deal's amount and currency are theirs."""
    deals_check(actor, "change")

    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    current = set(deal.lines.values_list("product_id", flat=True))
    price_list = (
        price_list_for(deal.contact)
        if deal.contact
        else PriceList.objects.filter(is_default=True).first()
    )
    prices = dict(price_list.prices.values_list("product_id", "amount")) if price_list else {}
    problems: list[str] = []
    rows: list[DealLine] = []
    for position, line in enumerate(lines):
        name = line.product.name
        if line.quantity is None or line.quantity <= 0:
            problems.append(_("%(product)s: the quantity must be above zero.") % {"product": name})
            continue
        if not (0 <= line.discount_percent <= 100):
            problems.append(_("%(product)s: a discount is 0 to 100 %%.") % {"product": name})
            continue
        if not line.product.is_active and line.product.pk not in current:
            problems.append(_("%(product)s is not on sale.") % {"product": name})
            continue
        unit_price = line.unit_price if line.unit_price is not None else prices.get(line.product.pk)
        if unit_price is None:
            problems.append(
                _("%(product)s has no price for this client: type the price.") % {"product": name}
            )
            continue
        if unit_price < 0:
            problems.append(_("%(product)s: the price cannot be negative.") % {"product": name})
            continue
        total = unit_price * line.quantity * (100 - line.discount_percent) / 100
        rows.append(
            DealLine(
                deal=deal,
                product=line.product,
                quantity=line.quantity,
                unit_price=unit_price,
                discount_percent=line.discount_percent,
                total=total.quantize(Decimal("0.01")),
                position=position,
            )
        )
    if problems:
        raise ValidationError({"lines": problems})
    deal.lines.all().delete()
    DealLine.objects.bulk_create(rows)
    changes: dict[str, Any] = {}
    if rows:
        changes["amount"] = sum((row.total for row in rows), Decimal(0))
        if price_list is not None:
            changes["currency"] = price_list.currency
    return _deal_update(deal, changes, expected_version)


def deals_check(actor: User, action: str) -> None:
    """Deals are sales' work: the roles without the permission (marketers, support agents)
    read them and do not create or change them."""
    if not actor.has_perm(f"crm_core.{action}_deal"):
        raise PermissionDenied(_("Your role reads deals but does not create or change them."))


@transaction.atomic
def deal_create(*, actor: User, data: dict[str, Any]) -> Deal:
    deals_check(actor, "add")
    fields = _clean(data)
    if "title" not in fields:
        raise ValidationError({"title": [_("Give the deal a title.")]})
    pipeline: Pipeline | None = data.get("pipeline")
    stage: PipelineStage | None = data.get("stage")
    if pipeline is None and stage is not None:
        pipeline = stage.pipeline
    if pipeline is None:
        pipeline = pipelines_active().first()
        if pipeline is None:
            raise ValidationError({"pipeline": [_("Create a pipeline first.")]})
    if stage is None:
        stage = stages_active(pipeline).first()
        if stage is None:
            raise ValidationError({"stage": [_("Add a stage to the pipeline first.")]})
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
    if stage.archived_at is not None or pipeline.archived_at is not None:
        raise ValidationError({"stage": [_("This stage is archived.")]})
    missing = gate_missing(stage, fields)
    if missing:
        raise _gate_error(stage, missing)
    fields.setdefault("currency", pipeline.currency)
    owner = owner_resolve(actor=actor, owner=data.get("owner"))
    top = Deal.objects.filter(stage=stage).aggregate(top=Max("board_position"))["top"] or 0
    deal = Deal.objects.create(
        **fields,
        pipeline=pipeline,
        stage=stage,
        owner=owner,
        team=owner.team,
        board_position=top + 1,
        closed_at=timezone.now() if stage.is_won or stage.is_lost else None,
    )
    DealMove.objects.create(deal=deal, from_stage=None, to_stage=stage, moved_by=actor)
    if stage.is_won:
        _credit_on_win(deal)
    live.deal_changed(deal)
    search_soon()
    figures_soon()
    return deal


@transaction.atomic
def deal_update(
    *, actor: User, deal: Deal, data: dict[str, Any], expected_version: int | None
) -> Deal:
    deals_check(actor, "change")
    changes = _clean(data)
    missing = gate_missing(deal.stage, {**_values(deal), **changes})
    if missing:
        raise ValidationError(
            {
                "__all__": [
                    _("“%(stage)s” needs: %(fields)s.")
                    % {"stage": deal.stage.name, "fields": ", ".join(missing)}
                ]
            }
        )
    if "owner" in data and data["owner"] is not None and data["owner"] != deal.owner:
        owner = owner_resolve(actor=actor, owner=data["owner"])
        changes.update(owner=owner, team=owner.team)
    return _deal_update(deal, changes, expected_version)


def deal_archive(*, actor: User, deal: Deal) -> Deal:
    """Archive the deal (never deleted): off the board and the lists, kept in reports."""
    deals_check(actor, "change")
    return _deal_update(deal, {"archived_at": timezone.now()}, None)


@transaction.atomic
def deal_move(
    *, actor: User, deal: Deal, stage: PipelineStage, position: int | None = None
) -> Deal:
    """Move the deal to `stage` (refused, naming the missing fields, if its gate is closed).
    The deal is read once, locked, with what its page and the API show of it; the move is
    written once (its history is the DealMove) and returned without reading the row again."""
    deals_check(actor, "change")
    deal = (
        Deal.objects.select_for_update(of=("self",))
        .select_related("stage", "pipeline", "contact", "company", "owner")
        .get(pk=deal.pk)
    )
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
    if stage.archived_at is not None:
        raise ValidationError({"stage": [_("This stage is archived.")]})
    missing = gate_missing(stage, _values(deal))
    if missing:
        raise _gate_error(stage, missing)
    changes: dict[str, Any] = {}
    if stage.pk != deal.stage_id:
        changes.update(
            stage=stage,
            stage_entered_at=timezone.now(),
            closed_at=timezone.now() if stage.is_won or stage.is_lost else None,
        )
        DealMove.objects.create(deal=deal, from_stage=deal.stage, to_stage=stage, moved_by=actor)
        if stage.is_won:
            _credit_on_win(deal)
        notify(
            recipients=[deal.owner],
            kind=Notification.Kind.DEAL_MOVED,
            params={"actor": actor.full_name, "title": deal.title, "stage": stage.name},
            url=reverse("deal_detail", args=[deal.pk]),
            actor=actor,
        )
    if position is not None:
        Deal.objects.filter(stage=stage, board_position__gte=position).exclude(pk=deal.pk).update(
            board_position=F("board_position") + 1
        )
        changes["board_position"] = position
    if not changes:
        return deal
    return _deal_update(deal, changes, None)


def _credit_on_win(deal: Deal) -> None:
    """A sale counts for whoever owns the deal when it is won: its credit is written then
    (unless a manager split it before), so a later change of owner does not move it."""
    if deal.owner_id and not deal.credit_splits.exists():
        CreditSplit.objects.create(deal=deal, person_id=deal.owner_id, share=Decimal(100))


@transaction.atomic
def deal_credit_set(*, actor: User, deal: Deal, splits: list[dict[str, Any]]) -> list[CreditSplit]:
    """Split the deal's credit: `splits` as [{"person": User, "share": Decimal, "kind":
    "revenue"|"overlay"}]; revenue splits total 100 %, overlay splits come on top; refused
    with a message naming the row when they do not add up. Heads and managers only."""
    if not can_assign_owners(actor):
        raise PermissionDenied(_("Your role does not split credit."))
    errors: dict[str, list[str]] = {}
    seen: set[tuple[int, str]] = set()
    revenue = Decimal(0)
    rows = []
    for index, split in enumerate(splits, 1):
        person, share, kind = split.get("person"), split.get("share"), split.get("kind")
        key = f"splits.{index}"
        if not isinstance(person, User) or not person.is_active or not person.is_staff_member:
            errors.setdefault(key, []).append(_("Choose an active colleague."))
            continue
        if kind not in CreditSplit.Kind.values:
            errors.setdefault(key, []).append(_("A revenue split or an overlay."))
            continue
        if not isinstance(share, Decimal) or not 0 < share <= 100:
            errors.setdefault(key, []).append(_("A share is above 0 and at most 100 %."))
            continue
        if (person.pk, kind) in seen:
            errors.setdefault(key, []).append(
                _("%(name)s is listed twice.") % {"name": person.full_name}
            )
            continue
        seen.add((person.pk, kind))
        if kind == CreditSplit.Kind.REVENUE:
            revenue += share
        rows.append(CreditSplit(deal=deal, person=person, share=share, kind=kind))
    if not errors and revenue != 100:
        errors["splits"] = [
            _("Revenue splits total %(total)s %%; they must total 100 %% (overlays come on top).")
            % {"total": format(revenue.normalize(), "f")}
        ]
    if errors:
        raise ValidationError(errors)
    deal.credit_splits.all().delete()
    created = CreditSplit.objects.bulk_create(rows)
    figures_soon()
    return created


def pipeline_default_create() -> None:
    """A sales pipeline with gated stages for a new company, named in the signup's language."""
    if Pipeline.objects.exists():
        return
    pipeline = Pipeline.objects.create(name=_("Sales"), currency="RUB")
    stages = [
        (_("Incoming"), 10, [], False, False),
        (_("Qualified"), 25, ["contact"], False, False),
        (_("Proposal"), 50, ["contact", "amount", "expected_close"], False, False),
        (_("Negotiation"), 75, ["contact", "amount", "expected_close"], False, False),
        (_("Won"), 100, ["contact", "amount"], True, False),
        (_("Lost"), 0, ["lost_reason"], False, True),
    ]
    stages_create(pipeline, stages)
