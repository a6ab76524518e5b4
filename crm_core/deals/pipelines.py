"""Pipelines and their stages, shaped by the company's owner and administrators: create, rename,
reorder and archive; each stage's win probability, whether it wins or loses the deal, and its gate
(the fields and products a deal needs to enter it). Archived pipelines and stages leave the board
and the forms; the deals that went through them keep their history."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm_core.commerce.models import Product
from crm_core.common.services import unknown_fields_refuse
from crm_core.deals.models import GATE_FIELDS, Deal, Pipeline, PipelineStage
from tenants.identity.models import User

PIPELINE_FIELDS = ("name", "currency")
STAGE_FIELDS = ("name", "probability", "is_won", "is_lost", "required_fields", "required_products")


def pipelines_active():
    return Pipeline.objects.filter(archived_at=None)


def stages_active(pipeline: Pipeline):
    return pipeline.stages.filter(archived_at=None)


def _shaper_check(actor: User) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators shape the pipelines."))


def _pipeline_clean(pipeline: Pipeline | None, data: dict[str, Any]) -> dict[str, Any]:
    unknown_fields_refuse(data, PIPELINE_FIELDS)
    fields: dict[str, Any] = {}
    if "name" in data or pipeline is None:
        name = str(data.get("name") or "").strip()
        if not name:
            raise ValidationError({"name": [_("Give the pipeline a name.")]})
        namesakes = Pipeline.objects.filter(name__iexact=name)
        if pipeline is not None:
            namesakes = namesakes.exclude(pk=pipeline.pk)
        if namesakes.exists():
            raise ValidationError({"name": [_("A pipeline with this name exists.")]})
        fields["name"] = name
    if "currency" in data:
        currency = str(data.get("currency") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValidationError(
                {"currency": [_("A currency is a three-letter code such as RUB.")]}
            )
        fields["currency"] = currency
    return fields


@transaction.atomic
def pipeline_save(*, actor: User, pipeline: Pipeline | None, data: dict[str, Any]) -> Pipeline:
    """Create a pipeline (with an open stage, a won and a lost one to start from) or rename it
    and change its currency."""
    _shaper_check(actor)
    fields = _pipeline_clean(pipeline, data)
    if pipeline is not None:
        for name, value in fields.items():
            setattr(pipeline, name, value)
        pipeline.save(update_fields=list(fields) or None)
        return pipeline
    top = Pipeline.objects.aggregate(top=Max("position"))["top"] or 0
    pipeline = Pipeline.objects.create(**fields, position=top + 1)
    starting = [
        (_("New"), 10, [], False, False),
        (_("Won"), 100, ["amount"], True, False),
        (_("Lost"), 0, ["lost_reason"], False, True),
    ]
    stages_create(pipeline, starting)
    return pipeline


def stages_create(pipeline: Pipeline, stages: list[tuple[str, int, list[str], bool, bool]]) -> None:
    """A new pipeline's stages, in order: (name, probability, required fields, won, lost)."""
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


def _open_deals(deals) -> int:
    """How many of `deals` are still being worked: not archived, in no won or lost stage."""
    return deals.filter(archived_at=None, stage__is_won=False, stage__is_lost=False).count()


@transaction.atomic
def pipeline_archive(*, actor: User, pipeline: Pipeline, archived: bool = True) -> Pipeline:
    """Take a pipeline off the board and the forms (its won and lost deals stay in reports),
    or bring it back. Refused while deals are open in it, and for the last pipeline."""
    _shaper_check(actor)
    if archived and pipeline.archived_at is None:
        if not pipelines_active().exclude(pk=pipeline.pk).exists():
            raise ValidationError(_("The last pipeline cannot be archived."))
        open_deals = _open_deals(Deal.objects.filter(pipeline=pipeline))
        if open_deals:
            raise ValidationError(
                ngettext(
                    "%(count)s open deal is in this pipeline: close it or move it to another "
                    "pipeline first.",
                    "%(count)s open deals are in this pipeline: close them or move them to "
                    "another pipeline first.",
                    open_deals,
                )
                % {"count": open_deals}
            )
    pipeline.archived_at = timezone.now() if archived else None
    pipeline.save(update_fields=["archived_at"])
    return pipeline


def _probability(value: Any) -> int:
    try:
        probability = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            {"probability": [_("Enter the win probability as a whole number.")]}
        ) from None
    if not 0 <= probability <= 100:
        raise ValidationError({"probability": [_("A probability is from 0 to 100 %.")]})
    return probability


def _stage_clean(
    pipeline: Pipeline, stage: PipelineStage | None, data: dict[str, Any]
) -> dict[str, Any]:
    unknown_fields_refuse(data, STAGE_FIELDS)
    fields: dict[str, Any] = {}
    if "name" in data or stage is None:
        name = str(data.get("name") or "").strip()
        if not name:
            raise ValidationError({"name": [_("Give the stage a name.")]})
        namesakes = pipeline.stages.filter(name__iexact=name)
        if stage is not None:
            namesakes = namesakes.exclude(pk=stage.pk)
        if namesakes.exists():
            raise ValidationError({"name": [_("This pipeline has a stage with this name.")]})
        fields["name"] = name
    if "probability" in data:
        fields["probability"] = _probability(data["probability"])
    for flag in ("is_won", "is_lost"):
        if flag in data:
            fields[flag] = bool(data[flag])
    won = fields.get("is_won", stage.is_won if stage else False)
    lost = fields.get("is_lost", stage.is_lost if stage else False)
    if won and lost:
        raise ValidationError({"is_lost": [_("A stage either wins the deal or loses it.")]})
    if "required_fields" in data:
        required = list(dict.fromkeys(data["required_fields"] or []))
        unknown = [name for name in required if name not in GATE_FIELDS]
        if unknown:
            raise ValidationError(
                {
                    "required_fields": [
                        _("Unknown fields: %(fields)s. Choose from: %(known)s.")
                        % {"fields": ", ".join(map(str, unknown)), "known": ", ".join(GATE_FIELDS)}
                    ]
                }
            )
        fields["required_fields"] = required
    return fields


def _products(data: dict[str, Any]) -> list[Product] | None:
    if "required_products" not in data:
        return None
    wanted = list(data["required_products"] or [])
    ids = [item.pk if isinstance(item, Product) else item for item in wanted]
    found = list(Product.objects.filter(pk__in=[i for i in ids if isinstance(i, int)]))
    if len(found) != len(set(ids)):
        raise ValidationError({"required_products": [_("Choose products from the catalogue.")]})
    return found


@transaction.atomic
def stage_save(
    *, actor: User, pipeline: Pipeline, stage: PipelineStage | None, data: dict[str, Any]
) -> PipelineStage:
    """Add a stage at the end of the pipeline, or change one: name, probability, won or lost,
    and its gate (required fields and products)."""
    _shaper_check(actor)
    if stage is not None and stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
    fields = _stage_clean(pipeline, stage, data)
    products = _products(data)
    if stage is None:
        top = pipeline.stages.aggregate(top=Max("position"))["top"]
        fields.setdefault("probability", 10)
        stage = PipelineStage.objects.create(
            pipeline=pipeline, position=0 if top is None else top + 1, **fields
        )
    elif fields:
        for name, value in fields.items():
            setattr(stage, name, value)
        stage.save(update_fields=list(fields))
    if products is not None:
        stage.required_products.set(products)
    return stage


@transaction.atomic
def stages_reorder(*, actor: User, pipeline: Pipeline, order: list[int]) -> list[PipelineStage]:
    """Put the pipeline's stages in `order` (every one of its active stages, by id, once)."""
    _shaper_check(actor)
    stages = {stage.pk: stage for stage in stages_active(pipeline).select_for_update()}
    if sorted(order) != sorted(stages) or len(set(order)) != len(order):
        raise ValidationError(
            {"stages": [_("List every active stage of this pipeline once, in the new order.")]}
        )
    for position, pk in enumerate(order):
        stages[pk].position = position
    PipelineStage.objects.bulk_update(stages.values(), ["position"])
    return [stages[pk] for pk in order]


def stage_shift(*, actor: User, stage: PipelineStage, by: int) -> list[PipelineStage]:
    """Move a stage one place up (`by` -1) or down (+1) among the pipeline's active stages."""
    order = list(stages_active(stage.pipeline).values_list("pk", flat=True))
    index = order.index(stage.pk)
    target = min(max(index + by, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return stages_reorder(actor=actor, pipeline=stage.pipeline, order=order)


@transaction.atomic
def stage_archive(*, actor: User, stage: PipelineStage, archived: bool = True) -> PipelineStage:
    """Take a stage off the board and the forms, or bring it back. Refused while deals are in
    it (they would have nowhere to show), and for the pipeline's last active stage."""
    _shaper_check(actor)
    if archived and stage.archived_at is None:
        deals = Deal.objects.filter(stage=stage, archived_at=None).count()
        if deals:
            raise ValidationError(
                ngettext(
                    "%(count)s deal is in this stage: move it to another stage first.",
                    "%(count)s deals are in this stage: move them to another stage first.",
                    deals,
                )
                % {"count": deals}
            )
        if not stages_active(stage.pipeline).exclude(pk=stage.pk).exists():
            raise ValidationError(_("A pipeline keeps at least one stage."))
    stage.archived_at = timezone.now() if archived else None
    stage.save(update_fields=["archived_at"])
    return stage
