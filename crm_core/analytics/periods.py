"""The date range a figure covers: a preset (this month, last quarter...) or two dates, read
from a query string with a clear message per field when it is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# the longest range a figure covers: longer ones are refused with this said
MAX_DAYS = 366 * 5

PRESETS = {
    "this_month": gettext_lazy("This month"),
    "last_month": gettext_lazy("Last month"),
    "this_quarter": gettext_lazy("This quarter"),
    "last_quarter": gettext_lazy("Last quarter"),
    "this_year": gettext_lazy("This year"),
    "last_year": gettext_lazy("Last year"),
    "last_12_months": gettext_lazy("Last 12 months"),
}


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    preset: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes in the workspace's time zone."""
        zone = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time(), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(), tzinfo=zone),
        )

    def previous(self) -> Period:
        """The period of the same length just before this one (for comparisons)."""
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = _month_back(self.start, months)
            return Period(start, self.start - timedelta(days=1))
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def elapsed_share(self, today: date) -> float:
        """How much of the period has passed on `today` (0..1): where a figure should be on a
        straight line."""
        if today < self.start:
            return 0.0
        if today >= self.end:
            return 1.0
        return ((today - self.start).days + 1) / self.days

    def query(self) -> str:
        if self.preset:
            return f"range={self.preset}"
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"

    @property
    def label(self) -> str:
        return str(PRESETS[self.preset]) if self.preset else ""


def preset(name: str, today: date) -> Period:
    month = date(today.year, today.month, 1)
    quarter = _quarter_start(today)
    if name == "this_month":
        return Period(month, _month_back(month, -1) - timedelta(days=1), name)
    if name == "last_month":
        return Period(_month_back(month, 1), month - timedelta(days=1), name)
    if name == "this_quarter":
        return Period(quarter, _month_back(quarter, -3) - timedelta(days=1), name)
    if name == "last_quarter":
        return Period(_month_back(quarter, 3), quarter - timedelta(days=1), name)
    if name == "this_year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), name)
    if name == "last_year":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), name)
    if name == "last_12_months":
        return Period(_month_back(month, 11), _month_back(month, -1) - timedelta(days=1), name)
    raise KeyError(name)


def day_from(text: str) -> date | None:
    """A YYYY-MM-DD day, or None when the text is not one (malformed, or no such day)."""
    try:
        return parse_date(text)
    except ValueError:  # well formed, but no such day
        return None


def period_from(query: QueryDict, *, default: str = "this_month") -> Period:
    """The period a query string asks for (`range=<preset>` or `from=`/`to=` dates), or the
    default preset; ValidationError with a message per field when it cannot be used."""
    today = timezone.localdate()
    start_text, end_text = query.get("from", "").strip(), query.get("to", "").strip()
    if not start_text and not end_text:
        name = query.get("range", "").strip() or default
        if name not in PRESETS:
            raise ValidationError({"range": [_("Choose one of the listed periods.")]})
        return preset(name, today)
    errors: dict[str, list[str]] = {}
    start, end = day_from(start_text), day_from(end_text)
    if start is None:
        errors["from"] = [_("Enter the first day as YYYY-MM-DD.")]
    if end is None:
        errors["to"] = [_("Enter the last day as YYYY-MM-DD.")]
    if start and end:
        if end < start:
            errors["to"] = [_("The last day comes before the first.")]
        elif (end - start).days >= MAX_DAYS:
            errors["to"] = [
                _("A period covers at most %(years)s years; choose a shorter one.")
                % {"years": MAX_DAYS // 366}
            ]
    if errors or start is None or end is None:
        raise ValidationError(errors)
    return Period(start, end)
