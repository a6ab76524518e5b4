"""Deals in pipelines: create, edit, and move through stages whose gates must be satisfied."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.models import GATE_FIELDS, Deal, DealMove, Pipeline, PipelineStage
from crm_core.services.common import owner_resolve, record_update
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
)


def _empty(value: Any) -> bool:
    return value is None or value == ""


def gate_missing(stage: PipelineStage, values: dict[str, Any]) -> list[str]:
    """Labels of the fields `stage` requires that `values` leaves empty."""
    return [
        str(GATE_FIELDS[name])
        for name in stage.required_fields
        if name in GATE_FIELDS and _empty(values.get(name))
    ]


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
    return {name: getattr(deal, name) for name in GATE_FIELDS}


@transaction.atomic
def deal_create(*, actor: User, data: dict[str, Any]) -> Deal:
    fields = _clean(data)
    if "title" not in fields:
        raise ValidationError({"title": [_("Give the deal a title.")]})
    pipeline: Pipeline | None = data.get("pipeline")
    stage: PipelineStage | None = data.get("stage")
    if pipeline is None and stage is not None:
        pipeline = stage.pipeline
    if pipeline is None:
        pipeline = Pipeline.objects.first()
        if pipeline is None:
            raise ValidationError({"pipeline": [_("Create a pipeline first.")]})
    if stage is None:
        stage = pipeline.stages.first()
    elif stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
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
    return deal


@transaction.atomic
def deal_update(
    *, actor: User, deal: Deal, data: dict[str, Any], expected_version: int | None
) -> Deal:
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
    return record_update(instance=deal, changes=changes, expected_version=expected_version)


@transaction.atomic
def deal_move(
    *, actor: User, deal: Deal, stage: PipelineStage, position: int | None = None
) -> Deal:
    """Move the deal to `stage` (refused, naming the missing fields, if its gate is closed)."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if stage.pipeline_id != deal.pipeline_id:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
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
    if position is not None:
        Deal.objects.filter(stage=stage, board_position__gte=position).exclude(pk=deal.pk).update(
            board_position=F("board_position") + 1
        )
        changes["board_position"] = position
    if not changes:
        return deal
    return record_update(instance=deal, changes=changes, expected_version=None)


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
    PipelineStage.objects.bulk_create(
        PipelineStage(
            pipeline=pipeline,
            name=name,
            position=index,
            probability=probability,
            required_fields=required,
            is_won=won,
            is_lost=lost,
        )
        for index, (name, probability, required, won, lost) in enumerate(stages)
    )
