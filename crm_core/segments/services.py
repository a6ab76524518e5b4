"""Segments: their parameter schemas, the values records carry, and filters on those values."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from crm_core.common.text import latin_slug
from crm_core.segments.models import ParameterType, Segment

CHOICE_TYPES = (ParameterType.CHOICE, ParameterType.MULTI_CHOICE)


RANGE_TYPES = (ParameterType.NUMBER, ParameterType.MONEY, ParameterType.DATE)


TRUE_WORDS = {"true", "1", "yes", "on", "да"}


FALSE_WORDS = {"false", "0", "no", "off", "нет", ""}


def segment_parameters_clean(parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate a parameter schema; fill keys from labels. Errors name the parameter."""
    cleaned: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, raw in enumerate(parameters, start=1):
        label = str(raw.get("label") or "").strip()
        if not label:
            problems.append(_("Parameter %(number)d: enter a label.") % {"number": number})
            continue
        kind = raw.get("type")
        if kind not in ParameterType.values:
            problems.append(_("“%(label)s”: choose a type.") % {"label": label})
            continue
        key = latin_slug(str(raw.get("key") or "").strip() or label) or f"param_{number}"
        if any(item["key"] == key for item in cleaned):
            problems.append(
                _("“%(label)s”: another parameter has the key “%(key)s”.")
                % {"label": label, "key": key}
            )
            continue
        item = {"key": key, "label": label, "type": kind, "required": bool(raw.get("required"))}
        if kind in CHOICE_TYPES:
            choices = raw.get("choices") or []
            if isinstance(choices, str):
                choices = choices.split(",")
            choices = list(dict.fromkeys(str(c).strip() for c in choices if str(c).strip()))
            if not choices:
                problems.append(_("“%(label)s”: list the choices.") % {"label": label})
                continue
            item["choices"] = choices
        if kind == ParameterType.MONEY:
            currency = str(raw.get("currency") or "RUB").strip().upper()
            if not re.fullmatch(r"[A-Z]{3}", currency):
                problems.append(
                    _("“%(label)s”: a currency is a three-letter code such as RUB.")
                    % {"label": label}
                )
                continue
            item["currency"] = currency
        cleaned.append(item)
    if problems:
        raise ValidationError({"parameters": problems})
    return cleaned


@transaction.atomic
def segment_save(*, segment: Segment | None, data: dict[str, Any]) -> Segment:
    name = str(data.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": [_("Enter a name.")]})
    namesakes = Segment.objects.filter(name__iexact=name)
    if segment is not None:
        namesakes = namesakes.exclude(pk=segment.pk)
    if namesakes.exists():
        raise ValidationError({"name": [_("A segment with this name exists.")]})
    segment = segment or Segment()
    segment.name = name
    segment.description = str(data.get("description") or "")
    segment.applies_to = data.get("applies_to") or Segment.AppliesTo.BOTH
    segment.parameters = segment_parameters_clean(list(data.get("parameters") or []))
    segment.save()
    return segment


def _number(raw: Any) -> int | float:
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float):
        return raw
    text = str(raw).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None  # not a number at all ("lots")
    if not value.is_finite():
        raise ValueError
    return int(value) if value == value.to_integral_value() else float(value)


def _date(raw: Any) -> str:
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError


def parameter_value_clean(parameter: dict[str, Any], raw: Any) -> Any:
    """The stored form of one value, or ValueError with nothing stored."""
    kind = parameter["type"]
    if kind == ParameterType.TEXT:
        text = str(raw).strip()
        if len(text) > 500:
            raise ValueError
        return text
    if kind in (ParameterType.NUMBER, ParameterType.MONEY):
        return _number(raw)
    if kind == ParameterType.DATE:
        return _date(raw)
    if kind == ParameterType.CHOICE:
        if raw not in parameter["choices"]:
            raise ValueError
        return raw
    if kind == ParameterType.MULTI_CHOICE:
        values = raw if isinstance(raw, list) else [raw]
        if any(value not in parameter["choices"] for value in values):
            raise ValueError
        return [choice for choice in parameter["choices"] if choice in values]
    if kind == ParameterType.BOOLEAN:
        word = str(raw).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError
    raise ValueError


def parameter_expectation(parameter: dict[str, Any]) -> str:
    kind = parameter["type"]
    if kind in (ParameterType.NUMBER, ParameterType.MONEY):
        return _("enter a number")
    if kind == ParameterType.DATE:
        return _("enter a date as YYYY-MM-DD")
    if kind in CHOICE_TYPES:
        return _("choose from: %(choices)s") % {"choices": ", ".join(parameter["choices"])}
    if kind == ParameterType.BOOLEAN:
        return _("answer yes or no")
    return _("at most 500 characters")


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def segment_kind_check(segment: Segment | None, kind: str) -> None:
    """A segment holds contacts, companies or both; refuse it for the other kind."""
    if segment is not None and not segment.applies(kind):
        raise ValidationError({"segment": [_("This segment is not for this kind of record.")]})


def segment_values_clean(*, segment: Segment, raw: dict[str, Any]) -> dict[str, Any]:
    """Values validated against the segment's schema; one message per bad parameter."""
    stranger = _("“%(key)s” is not a parameter of %(segment)s.")
    return values_clean(
        segment.parameters,
        raw,
        stranger=lambda key: stranger % {"key": key, "segment": segment.name},
        field="segment_values",
    )


def values_clean(
    parameters: list[dict[str, Any]], raw: Any, *, stranger: Callable[[str], str], field: str
) -> dict[str, Any]:
    """Values validated against a parameter schema (a segment's parameters, a needs card's
    questions): ValidationError on `field`, one message per bad value, and `stranger(key)` for
    each key the schema does not have."""
    if not isinstance(raw, dict):
        raise ValidationError({field: [_("Send the parameters as an object.")]})
    problems: list[str] = []
    cleaned: dict[str, Any] = {}
    unknown = set(raw) - {item["key"] for item in parameters}
    problems += [stranger(key) for key in sorted(unknown)]
    for parameter in parameters:
        value = raw.get(parameter["key"])
        if _empty(value):
            if parameter["required"]:
                problems.append(_("%(label)s: required.") % {"label": parameter["label"]})
            continue
        try:
            cleaned[parameter["key"]] = parameter_value_clean(parameter, value)
        except (ValueError, InvalidOperation, TypeError):
            problems.append(f"{parameter['label']}: {parameter_expectation(parameter)}.")
    if problems:
        raise ValidationError({field: problems})
    return cleaned


def segment_filter_condition(*, segment: Segment, params: dict[str, str]) -> Q:
    """Filters on parameter values from query parameters:
    `p.<key>=value` (equals, or contains for several choices), `p.<key>.min=`, `p.<key>.max=`.
    """
    condition = Q(segment=segment)
    problems: list[str] = []
    for name, raw in params.items():
        if not name.startswith("p.") or raw in ("", None):
            continue
        key, _dot, bound = name[2:].partition(".")
        parameter = segment.parameter(key)
        if parameter is None or bound not in ("", "min", "max"):
            problems.append(
                _("“%(name)s” is not a filter of %(segment)s.")
                % {"name": name, "segment": segment.name}
            )
            continue
        if bound and parameter["type"] not in RANGE_TYPES:
            problems.append(
                _("“%(name)s”: only numbers, money and dates have ranges.") % {"name": name}
            )
            continue
        try:
            value = parameter_value_clean(
                {
                    **parameter,
                    "type": ParameterType.CHOICE
                    if parameter["type"] == ParameterType.MULTI_CHOICE
                    else parameter["type"],
                },
                raw,
            )
        except (ValueError, InvalidOperation, TypeError):
            problems.append(f"{name}: {parameter_expectation(parameter)}.")
            continue
        path = f"segment_values__{key}"
        if bound:
            condition &= Q(**{f"{path}__{'gte' if bound == 'min' else 'lte'}": value})
        elif parameter["type"] == ParameterType.MULTI_CHOICE:
            condition &= Q(segment_values__contains={key: [value]})
        else:
            condition &= Q(segment_values__contains={key: value})
    if problems:
        raise ValidationError({"segment": problems})
    return condition
