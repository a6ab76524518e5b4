"""The change history of a record, readable: field labels, names instead of ids, old → new."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import models
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from crm_core.history.models import RecordChange
from crm_core.segments.models import Segment
from frontend.templatetags.ui import phone

# bookkeeping columns, and a deal's move (its DealMove is its history; older rows held it twice)
HIDDEN = {
    "id",
    "created_at",
    "source_key",
    "import_job_id",
    "reminded_at",
    "version",
    "updated_at",
    "board_position",
    "stage_entered_at",
    "closed_at",
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class Change:
    pk: int
    at: datetime
    actor: object  # User | None
    fields: list[FieldChange]


def changes_of(record: models.Model) -> QuerySet[RecordChange]:
    return RecordChange.objects.filter(
        table_name=record._meta.db_table, record_id=record.pk
    ).select_related("actor")


def _number(value) -> str:
    """A stored number as the reader writes it: 2406350.0 → 2,406,350 (2 406 350 in Russian)."""
    number = Decimal(str(value))
    places = 0 if number == number.to_integral_value() else 2
    return formats.number_format(number, decimal_pos=places, use_l10n=True, force_grouping=True)


def _value(value) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    return str(value)


def _plain(field: models.Field, value, labels: dict[str, str] | None = None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(str(value))
        return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        day = parse_date(str(value))
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else str(value)
    if isinstance(field, models.DecimalField | models.FloatField | models.IntegerField):
        return _number(value)
    if isinstance(field, models.FileField):
        return str(value).rsplit("/", 1)[-1]
    if field.name == "phones" and isinstance(value, list):
        return ", ".join(phone(str(item)) for item in value)
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{(labels or {}).get(key, key)}: {_value(item)}" for key, item in value.items()
        )
    return str(value)


def _parameter_labels() -> dict[str, str]:
    """Segment parameters' keys → their labels (the keys segment values are stored under)."""
    return {
        parameter["key"]: parameter["label"]
        for parameters in Segment.objects.values_list("parameters", flat=True)
        for parameter in parameters or []
        if "key" in parameter and "label" in parameter
    }


def changes_display(
    model: type[models.Model], rows: list[RecordChange], skip: tuple[str, ...] = ()
) -> list[Change]:
    """Each stored diff as labelled old → new texts; related ids become names in one query
    per related model."""
    by_column = {field.column: field for field in model._meta.concrete_fields}
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for row in rows:
        for column, pair in row.changes.items():
            field = by_column.get(column)
            if field is not None and isinstance(field.related_model, type):
                wanted[field.related_model].update(value for value in pair if value is not None)
    names = {
        related: {obj.pk: str(obj) for obj in related._base_manager.filter(pk__in=ids)}
        for related, ids in wanted.items()
    }
    labels = _parameter_labels() if any("segment_values" in row.changes for row in rows) else {}
    result = []
    for row in rows:
        fields = []
        for column, (old, new) in sorted(row.changes.items()):
            field = by_column.get(column)
            if field is None or column in HIDDEN or column in skip:
                continue
            if column == "archived_at":
                archived = [_("yes") if value else _("no") for value in (old, new)]
                fields.append(FieldChange(_("Archived"), *archived))
                continue
            if isinstance(field.related_model, type):
                lookup = names.get(field.related_model, {})
                old_text, new_text = lookup.get(old, "—"), lookup.get(new, "—")
            else:
                old_text, new_text = _plain(field, old, labels), _plain(field, new, labels)
            fields.append(FieldChange(capfirst(str(field.verbose_name)), old_text, new_text))
        if fields:
            result.append(Change(row.pk, row.changed_at, row.actor, fields))
    return result


def record_history(record: models.Model, limit: int = 50) -> list[Change]:
    return changes_display(type(record), list(changes_of(record)[:limit]))
