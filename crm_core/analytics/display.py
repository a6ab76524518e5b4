"""Figures as the reader reads them: numbers, money and percentages in the reader's format, and
a chart's spec with the same data as an accessible table."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import Any

from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm_core.analytics.metrics import Cell, Metric, Table
from crm_core.analytics.sources import TIME_GRAINS

UNITS = {"days": "days", "hours": "hours"}


def figure_text(value: Decimal | float | int | None, unit: str, currency: str = "") -> str:
    """18200 → "18,200 RUB" (en) or "18 200 RUB" (ru); 66.7 → "66.7 %"; None → "—"."""
    return Figures(currency).text(value, unit)


@lru_cache(maxsize=32)
def _separators(language: str) -> tuple[str, str]:
    """(thousands, decimal) separators of a language's number format."""
    return (
        str(get_format("THOUSAND_SEPARATOR", lang=language, use_l10n=True)),
        str(get_format("DECIMAL_SEPARATOR", lang=language, use_l10n=True)),
    )


_PLACES = {places: Decimal(1).scaleb(-places) for places in range(3)}


class Figures:
    """Figures in the reader's format, its separators read once: `figure_text` for a page of
    a thousand figures (the goals cockpit), each in microseconds."""

    def __init__(self, currency: str = "") -> None:
        self.currency = currency
        self.thousands, self.point = _separators(get_language() or "en")

    def text(self, value: Decimal | float | int | None, unit: str) -> str:
        if value is None:
            return "—"
        if unit == "money":
            return f"{self.digits(value, 0, grouped=True)} {self.currency}".strip()
        if unit == "percent":
            return f"{self.digits(value, 1)} %"
        if unit == "days":
            return _("%(value)s d") % {"value": self.digits(value, 1)}
        if unit == "hours":
            return _("%(value)s h") % {"value": self.digits(value, 1)}
        return self.digits(value, 0, grouped=True)

    def digits(self, value: Decimal | float | int, places: int, *, grouped: bool = False) -> str:
        """`number_format(value, places, use_l10n=True, force_grouping=grouped)` as Django
        writes it (the digits past `places` cut off; groups of three), but never "-0"."""
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite():
            return str(value)
        number = number.quantize(_PLACES[places], rounding=ROUND_DOWN)
        if not number:
            number = number.copy_abs()
        if grouped:
            text = f"{number:,f}"
            return text.replace(",", "\0").replace(".", self.point).replace("\0", self.thousands)
        return f"{number:f}".replace(".", self.point)


def change(current: Cell, previous: Cell, metric: Metric) -> dict[str, Any] | None:
    """How the figure moved since the previous period, and whether that is good."""
    if current.value is None or previous.value is None or not previous.value:
        return None
    share = (float(current.value) - float(previous.value)) * 100 / abs(float(previous.value))
    good = share >= 0 if metric.higher_is_better else share <= 0
    return {
        "text": f"{'+' if share > 0 else ''}{Figures().digits(round(share, 1), 1)} %",
        "good": good,
        "up": share > 0,
    }


def bucket_end(start: date, grain: str) -> date:
    if grain == "day":
        return start
    if grain == "week":
        return start + timedelta(days=6)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    index = start.year * 12 + start.month - 1 + months - 1
    year, month = index // 12, index % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class Chart:
    """A chart's spec (read by frontend/src/charts.ts) and its data as a table."""

    id: str
    title: str
    spec: dict[str, Any]
    headers: list[str]
    rows: list[dict[str, Any]]  # {"cells": [...], "link": the records behind the row or None}
    capped: bool = False

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"


def _ordered(table: Table, index: int) -> list:
    keys = [key for key in table.names[index]] if len(table.names) > index else []
    if table.groupings[index] in TIME_GRAINS:
        return sorted(keys)
    values = {key: table.cells.get((key,), Cell()).value or 0 for key in keys} if index == 0 else {}
    return sorted(keys, key=lambda key: (-float(values.get(key, 0)), table.names[index][key]))


def chart_of(
    table: Table,
    *,
    chart_id: str,
    title: str,
    kind: str = "bar",
    currency: str = "",
    link: str = "",
    limit: int = 30,
) -> Chart:
    """The table as a chart split by its first grouping (and its second as series), with a
    link per category to the records behind it (`link` + that category's filter)."""
    metric = table.metric
    first = _ordered(table, 0)[:limit]
    names = table.names[0]
    categories = [names.get(key, _("(none)")) for key in first]
    if len(table.groupings) == 2:
        second = _ordered(table, 1)
        series = [
            {
                "name": table.names[1].get(part, _("(none)")),
                "values": [_number(table.cells.get((key, part), Cell()).value) for key in first],
            }
            for part in second
        ]
        headers = [str(_grouping_label(table, 0)), *[item["name"] for item in series], _("Total")]
        rows = [
            [
                categories[index],
                *[
                    figure_text(table.cells.get((key, part), Cell()).value, metric.unit, currency)
                    for part in second
                ],
                figure_text(table.cells.get((key,), Cell()).value, metric.unit, currency),
            ]
            for index, key in enumerate(first)
        ]
    else:
        series = [
            {
                "name": str(metric.label),
                "values": [_number(table.cells[(key,)].value) for key in first],
            }
        ]
        headers = [str(_grouping_label(table, 0)), str(metric.label)]
        rows = [
            [categories[index], figure_text(table.cells[(key,)].value, metric.unit, currency)]
            for index, key in enumerate(first)
        ]
    rows.append(
        [
            _("Total"),
            *([""] * (len(headers) - 2)),
            figure_text(table.total.value, metric.unit, currency),
        ]
    )
    links = [_category_link(table, key, link) if link else None for key in first]
    return Chart(
        id=chart_id,
        title=title,
        spec={
            "kind": kind,
            "categories": categories,
            "series": series,
            "unit": metric.unit,
            "currency": currency if metric.money else "",
            "links": links,
        },
        headers=headers,
        rows=[
            {"cells": cells, "link": links[index] if index < len(links) else None}
            for index, cells in enumerate(rows)
        ],
        capped=table.capped or len(names) > limit,
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _grouping_label(table: Table, index: int) -> str:
    return table.labels[index]


def _category_link(table: Table, key: Any, link: str) -> str | None:
    grouping = table.groupings[0]
    if key is None:
        return None
    if grouping in TIME_GRAINS:
        start = key if isinstance(key, date) else key.date()
        return f"{link}&from={start.isoformat()}&to={bucket_end(start, grouping).isoformat()}"
    if grouping in ("owner", "assignee", "created_by"):
        return f"{link}&person={key}"
    if grouping.endswith("_team"):
        return f"{link}&team={key}"
    return None


def table_rows(table: Table, *, currency: str = "") -> tuple[list[str], list[list[Any]]]:
    """The table for a file: a column per grouping, then the value (money in `currency`) and
    the number of records; the total last. Values stay numbers for the spreadsheet."""
    metric = table.metric
    unit = f"{metric.label}, {currency}" if metric.money else str(metric.label)
    headers = [*table.labels, unit, str(_("Records"))]
    keys = sorted(
        (key for key in table.cells if len(key) == len(table.groupings) and key),
        key=lambda key: tuple(
            (part is None, str(part) if not isinstance(part, date) else part.isoformat())
            for part in key
        ),
    )
    rows = [
        [
            *[table.names[index].get(part, _("(none)")) for index, part in enumerate(key)],
            _number(table.cells[key].value),
            table.cells[key].count,
        ]
        for key in keys
    ]
    rows.append(
        [
            _("Total"),
            *([""] * (len(table.groupings) - 1)),
            _number(table.total.value),
            table.total.count,
        ]
    )
    return headers, rows
