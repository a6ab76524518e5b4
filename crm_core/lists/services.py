"""Saved views of the contact, company and deal lists, and bulk changes of their records (assign
an owner, set the stage, add to a segment, archive) with an undo for a minute.

A bulk change takes at most BULK_LIMIT records, the ones its author sees; it keeps what each
record held, so that its undo puts exactly that back. Deals change stage one by one through
their gates (a deal the gate refuses is named and left where it was); every other change is one
statement per value, each row still landing in the change history through its trigger."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from crm_core.activities.models import StageChange
from crm_core.common.indexing import search_soon
from crm_core.common.system_text import SystemText
from crm_core.common.visibility import can_assign_owners
from crm_core.deals.live import deal_boards_changed
from crm_core.deals.models import Deal, PipelineStage
from crm_core.deals.selectors import deals_filtered, deals_visible
from crm_core.deals.services import deal_move
from crm_core.lists.columns import COLUMNS
from crm_core.lists.models import BulkOperation, ListKind, SavedView
from crm_core.parties.models import Company, Contact, LifecycleStage
from crm_core.parties.selectors import (
    companies_visible,
    contacts_visible,
    owners_assignable,
    parties_filtered,
)
from crm_core.segments.models import Segment
from tenants.identity.models import User

BULK_LIMIT = 10_000
UNDO_SECONDS = 60
# what a saved view keeps of a list's address: not its page, nor the view it came from
NOT_KEPT = ("cursor", "view", "page_size")
MODELS: dict[str, Any] = {
    ListKind.CONTACT: Contact,
    ListKind.COMPANY: Company,
    ListKind.DEAL: Deal,
}
ACTIONS: dict[str, tuple[str, ...]] = {
    ListKind.CONTACT: ("owner", "stage", "segment", "archive"),
    ListKind.COMPANY: ("owner", "stage", "segment", "archive"),
    ListKind.DEAL: ("owner", "stage", "archive"),
}


# --- saved views -------------------------------------------------------------------------------
def view_query(query: QueryDict | str) -> str:
    """A list's query string as a saved view keeps it."""
    kept = QueryDict(query, mutable=True) if isinstance(query, str) else query.copy()
    for name in NOT_KEPT:
        kept.pop(name, None)
    return kept.urlencode()


def saved_view_save(
    *, actor: User, kind: str, data: dict[str, Any], view: SavedView | None = None
) -> SavedView:
    """Create (or, for its owner, change) a saved view: a name, the list's filters and sort,
    the columns it shows, private or shared with the owner's team."""
    if kind not in ListKind.values:
        raise ValidationError({"kind": [_("No such list.")]})
    if view is not None and view.owner_id != actor.pk:
        raise PermissionDenied(_("Only its author changes a saved view."))
    view = view or SavedView(kind=kind, owner=actor)
    name = str(data.get("name", view.name) or "").strip()
    columns = list(data.get("columns", view.columns or list(COLUMNS[kind])))
    errors = {}
    if not name:
        errors["name"] = [_("Name the view.")]
    elif len(name) > 80:
        errors["name"] = [_("A view's name is at most 80 characters.")]
    unknown = [column for column in columns if column not in COLUMNS[kind]]
    if unknown:
        errors["columns"] = [_("No such column: %s.") % ", ".join(map(str, unknown))]
    elif not columns:
        errors["columns"] = [_("Show at least one column.")]
    duplicate = SavedView.objects.filter(owner=actor, kind=kind, name=name).exclude(pk=view.pk)
    if name and duplicate.exists():
        errors["name"] = [_("You have a view with this name.")]
    if errors:
        raise ValidationError(errors)
    view.name, view.columns = name, [column for column in COLUMNS[kind] if column in columns]
    if "query" in data:
        view.query = view_query(str(data["query"]))[:2000]
    view.shared = bool(data.get("shared", view.shared))
    view.team = actor.team
    view.save()
    return view


def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if view.owner_id != actor.pk:
        raise PermissionDenied(_("Only its author deletes a saved view."))
    view.delete()


# --- bulk changes ------------------------------------------------------------------------------
def _visible(user: User, kind: str) -> QuerySet:
    if kind == ListKind.CONTACT:
        return contacts_visible(user=user)
    if kind == ListKind.COMPANY:
        return companies_visible(user=user)
    return deals_visible(user=user)


def bulk_records(
    *, user: User, kind: str, ids: list[int] | None = None, query: QueryDict | None = None
) -> QuerySet:
    """The records a bulk change takes: the ids chosen, or every record the list's filters in
    `query` keep; only those the user sees, and at most BULK_LIMIT."""
    if kind not in ListKind.values:
        raise ValidationError({"kind": [_("No such list.")]})
    if ids is not None:
        records = _visible(user, kind).filter(pk__in=ids)
    elif kind == ListKind.DEAL:
        records = deals_filtered(user=user, query=query or QueryDict())
    else:
        records = parties_filtered(user=user, kind=kind, query=query or QueryDict())[0]
    records = records.order_by("pk")
    if not records.exists():
        raise ValidationError({"ids": [_("Choose the records to change.")]})
    if records[BULK_LIMIT : BULK_LIMIT + 1].exists():
        raise ValidationError(
            {
                "ids": [
                    _("One bulk change takes up to %(limit)s records; narrow the filters.")
                    % {"limit": f"{BULK_LIMIT:,}"}
                ]
            }
        )
    return records


def bulk_value(kind: str, action: str, raw: str) -> Any:
    """What a bulk action sets, from its input's id; None when there is none such."""
    if action == "archive":
        return None
    if not raw.isdigit():
        return None
    pk = int(raw)
    if action == "owner":
        return owners_assignable().filter(pk=pk).first()
    if action == "segment":
        return Segment.objects.filter(pk=pk).first()
    if kind == ListKind.DEAL:
        return PipelineStage.objects.filter(pk=pk, archived_at=None).first()
    return LifecycleStage.objects.filter(pk=pk).first()


@dataclass
class BulkResult:
    operation: BulkOperation | None
    refused: list[str] = field(default_factory=list)  # what was left as it was, and why


def _check(actor: User, kind: str, action: str) -> None:
    if action not in ACTIONS.get(kind, ()):
        raise ValidationError({"action": [_("This list has no such bulk action.")]})
    if action == "owner" and not can_assign_owners(actor):
        raise PermissionDenied(_("Your role does not assign records to colleagues."))
    if not actor.has_perm(f"crm_core.change_{kind}"):
        raise PermissionDenied(_("Your role cannot change these records."))


def _value_check(kind: str, action: str, value: Any) -> None:
    expected = {
        "owner": User,
        "segment": Segment,
        "stage": PipelineStage if kind == ListKind.DEAL else LifecycleStage,
    }.get(action)
    if expected is not None and not isinstance(value, expected):
        raise ValidationError({"value": [_("Choose what to set.")]})
    if action == "owner" and (not value.is_active or not value.is_staff_member):
        raise ValidationError({"value": [_("Choose an active colleague.")]})
    if action == "segment" and not value.applies(kind):
        raise ValidationError({"value": [_("This segment is not for these records.")]})


@transaction.atomic
def bulk_apply(
    *, actor: User, kind: str, action: str, records: QuerySet, value: Any = None
) -> BulkResult:
    """Change `records` (from `bulk_records`) all at once; what each held before is kept for
    the undo."""
    _check(actor, kind, action)
    _value_check(kind, action, value)
    model = MODELS[kind]
    ids = list(records.values_list("pk", flat=True)[:BULK_LIMIT])
    rows = model._default_manager.select_for_update().filter(pk__in=ids)
    refused: list[str] = []
    if kind == ListKind.DEAL and action == "stage":
        before, refused = _deals_move(actor, rows, value)
    else:
        before = _bulk_update(actor, kind, action, rows, value)
    if not before:
        return BulkResult(None, refused)
    operation = BulkOperation.objects.create(
        kind=kind,
        action=action,
        label=_label(kind, action, len(before), value),
        count=len(before),
        before=before,
        actor=actor,
        undo_until=timezone.now() + timedelta(seconds=UNDO_SECONDS),
    )
    _changed(kind, ids)
    return BulkResult(operation, refused)


def _fields(kind: str, action: str) -> tuple[str, ...]:
    return {
        "owner": ("owner_id", "team_id"),
        "stage": ("lifecycle_stage_id",),
        "segment": ("segment_id",),
        "archive": ("archived_at",),
    }[action]


def _bulk_update(actor: User, kind: str, action: str, rows: QuerySet, value: Any) -> dict:
    names = _fields(kind, action)
    before = {
        str(row["pk"]): {name: _plain(row[name]) for name in names}
        for row in rows.values("pk", *names)
    }
    changes: dict[str, Any] = {
        "owner": {"owner": value, "team": getattr(value, "team", None)},
        "stage": {"lifecycle_stage": value},
        "segment": {"segment": value},
        "archive": {"archived_at": timezone.now()},
    }[action]
    rows.update(**changes, version=F("version") + 1, updated_at=timezone.now())
    if action == "stage":
        _stages_record(actor, kind, before, value)
    return before


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _stages_record(actor: User, kind: str, before: dict, stage: LifecycleStage | None) -> None:
    """Each record's move between lifecycle stages lands in its stage history."""
    reason = SystemText(gettext_noop("Bulk change"))
    stages = LifecycleStage.objects.in_bulk()
    StageChange.objects.bulk_create(
        StageChange(
            **{kind: MODELS[kind](pk=int(pk))},
            from_stage=stages.get(held["lifecycle_stage_id"]),
            to_stage=stage,
            changed_by=actor,
            reason=str(reason)[:255],
            reason_message=reason.message,
            reason_params=reason.params,
        )
        for pk, held in before.items()
        if held["lifecycle_stage_id"] != getattr(stage, "pk", None)
    )


def _deals_move(actor: User, rows: QuerySet, stage: PipelineStage) -> tuple[dict, list[str]]:
    before, refused = {}, []
    for deal in rows.select_related("stage"):
        if deal.pipeline_id != stage.pipeline_id:
            refused.append(
                _("%(deal)s: its pipeline has no stage “%(stage)s”.")
                % {"deal": deal.title, "stage": stage.name}
            )
            continue
        if deal.stage_id == stage.pk:
            continue
        held = deal.stage_id
        try:
            with transaction.atomic():
                deal_move(actor=actor, deal=deal, stage=stage)
        except ValidationError as error:
            refused.append(f"{deal.title}: {' '.join(error.messages)}")
        else:
            before[str(deal.pk)] = {"stage_id": held}
    return before, refused


def _label(kind: str, action: str, count: int, value: Any) -> str:
    records: str = {
        ListKind.CONTACT.value: ngettext("%(count)s contact", "%(count)s contacts", count),
        ListKind.COMPANY.value: ngettext("%(count)s company", "%(count)s companies", count),
        ListKind.DEAL.value: ngettext("%(count)s deal", "%(count)s deals", count),
    }[kind] % {"count": f"{count:,}"}
    if action == "owner":
        return _("%(records)s assigned to %(owner)s") % {
            "records": records,
            "owner": value.full_name,
        }
    if action == "stage":
        return _("%(records)s moved to “%(stage)s”") % {"records": records, "stage": value.name}
    if action == "segment":
        return _("%(records)s added to “%(segment)s”") % {
            "records": records,
            "segment": value.name,
        }
    return _("%(records)s archived") % {"records": records}


def _changed(kind: str, ids: list[int]) -> None:
    """The search index, and the deal boards that show the deals, follow."""
    search_soon()
    if kind == ListKind.DEAL:
        deal_boards_changed(
            set(Deal.objects.filter(pk__in=ids).values_list("pipeline_id", "owner_id", "team_id"))
        )


def bulk_undo_latest(*, actor: User, kind: str) -> BulkOperation | None:
    """The actor's last change of the list, while it may still be undone."""
    return (
        BulkOperation.objects.filter(
            actor=actor, kind=kind, undone_at=None, undo_until__gt=timezone.now()
        )
        .order_by("-created_at", "-id")
        .first()
    )


@transaction.atomic
def bulk_undo(*, actor: User, operation: BulkOperation) -> BulkResult:
    """Put back what each record held before the change (within the minute, by its author).
    A deal whose old stage's gate refuses it now stays, named."""
    operation = BulkOperation.objects.select_for_update().get(pk=operation.pk)
    if operation.actor_id != actor.pk:
        raise PermissionDenied(_("Only its author undoes a bulk change."))
    if operation.undone_at is not None:
        raise ValidationError(_("This change was already undone."))
    if operation.undo_until < timezone.now():
        raise ValidationError(_("A bulk change can be undone for a minute; this one is older."))
    kind, refused = operation.kind, []
    model = MODELS[kind]
    if kind == ListKind.DEAL and operation.action == "stage":
        refused = _deals_move_back(actor, operation.before)
    else:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for pk, held in operation.before.items():
            groups[tuple(sorted(held.items()))].append(int(pk))
        for held_items, ids in groups.items():
            held = dict(held_items)
            if operation.action == "stage":
                current = dict(
                    model._default_manager.filter(pk__in=ids).values_list(
                        "pk", "lifecycle_stage_id"
                    )
                )
                _stages_record(
                    actor,
                    kind,
                    {str(pk): {"lifecycle_stage_id": stage} for pk, stage in current.items()},
                    LifecycleStage.objects.filter(pk=held["lifecycle_stage_id"]).first(),
                )
            model._default_manager.filter(pk__in=ids).update(
                **held, version=F("version") + 1, updated_at=timezone.now()
            )
    operation.undone_at = timezone.now()
    operation.save(update_fields=["undone_at"])
    _changed(kind, [int(pk) for pk in operation.before])
    return BulkResult(operation, refused)


def _deals_move_back(actor: User, before: dict) -> list[str]:
    refused = []
    stages = PipelineStage.objects.in_bulk([held["stage_id"] for held in before.values()])
    for deal in Deal.objects.filter(pk__in=[int(pk) for pk in before]):
        stage = stages.get(before[str(deal.pk)]["stage_id"])
        if stage is None or stage.pk == deal.stage_id:
            continue
        try:
            with transaction.atomic():
                deal_move(actor=actor, deal=deal, stage=stage)
        except ValidationError as error:
            refused.append(f"{deal.title}: {' '.join(error.messages)}")
    return refused
