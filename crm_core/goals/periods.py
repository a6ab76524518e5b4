"""A goal's period: a month, or a quarter, half-year or year of the company's fiscal calendar
(its year may begin in any month), or two dates."""

from __future__ import annotations

from datetime import date, timedelta

from crm_core.analytics.periods import Period

MONTHS_IN = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _first_of(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def goal_period(kind: str, day: date, fiscal_start: int = 1) -> Period:
    """The period of `kind` that holds `day` (quarters, halves and years counted from the
    month the fiscal year begins)."""
    length = MONTHS_IN[kind]
    offset = 0 if kind == "month" else fiscal_start - 1
    index = _month_index(day) - offset
    start = index - index % length + offset
    return Period(_first_of(start), _first_of(start + length) - timedelta(days=1))


def period_name(kind: str, period: Period, fiscal_start: int = 1) -> str:
    """`2026-11`, `Q2 FY2026`, `H1 FY2026`, `FY2026` (a fiscal year named by the calendar year
    it begins in), or the two dates."""
    if kind == "month":
        return period.start.strftime("%Y-%m")
    if kind not in MONTHS_IN:
        return f"{period.start.isoformat()} – {period.end.isoformat()}"
    fiscal_year = goal_period("year", period.start, fiscal_start).start.year
    number = (_month_index(period.start) - (fiscal_start - 1)) % 12 // MONTHS_IN[kind] + 1
    if kind == "quarter":
        return f"Q{number} FY{fiscal_year}"
    if kind == "half":
        return f"H{number} FY{fiscal_year}"
    return f"FY{fiscal_year}"


def months_between(start: date, later: date) -> int:
    """Whole months from `start` to `later` (0 in the month of `start`)."""
    return max(0, _month_index(later) - _month_index(start))
