"""Currencies (the workspace's base currency, dated exchange rates, conversion) and the
company's own requisites."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.common.requisites import REQUISITE_FIELDS, requisites_clean
from crm_core.common.services import unknown_fields_refuse
from crm_core.workspace.models import ExchangeRate, WorkspaceSettings
from tenants.identity.models import User

DEFAULT_BASE_CURRENCY = "RUB"


def base_currency() -> str:
    """The workspace's base currency (read only; the Currencies page saves it)."""
    saved = WorkspaceSettings.objects.filter(pk=1).values_list("base_currency", flat=True).first()
    return saved or DEFAULT_BASE_CURRENCY


def fiscal_year_start() -> int:
    """The month (1-12) the company's fiscal year begins in."""
    saved = WorkspaceSettings.objects.filter(pk=1).values_list("fiscal_year_start", flat=True)
    return saved.first() or 1


def fiscal_year_start_set(*, actor: User, month: int) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators change the fiscal year."))
    if month not in range(1, 13):
        raise ValidationError({"fiscal_year_start": [_("Choose a month.")]})
    WorkspaceSettings.objects.update_or_create(pk=1, defaults={"fiscal_year_start": month})


def exchange_rate_add(
    *, currency: str, valid_from: date | None, rate: Decimal | None
) -> ExchangeRate:
    currency = currency.strip().upper()
    errors = {}
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors["currency"] = [_("A currency is a three-letter code such as RUB.")]
    elif currency == base_currency():
        errors["currency"] = [_("This is the base currency; its rate is always 1.")]
    if rate is None or rate <= 0:
        errors["rate"] = [_("A rate is above zero.")]
    if valid_from is None:
        errors["valid_from"] = [_("Enter the day the rate applies from.")]
    if errors or valid_from is None or rate is None:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return ExchangeRate.objects.create(currency=currency, valid_from=valid_from, rate=rate)
    except IntegrityError:
        raise ValidationError(
            {
                "valid_from": [
                    _("%(currency)s already has a rate from that day.") % {"currency": currency}
                ]
            }
        ) from None


class RateMissing(ValidationError):
    pass


def rate_on(currency: str, on: date, base: str | None = None) -> Decimal:
    """The rate in force on `on`: the latest entered on or before that day."""
    if currency == (base or base_currency()):
        return Decimal(1)
    found = (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )
    if found is None:
        raise RateMissing(
            _("No %(currency)s rate on or before %(day)s.")
            % {"currency": currency, "day": on.isoformat()}
        )
    return found


@dataclass(frozen=True)
class Converted:
    amount: Decimal
    currency: str
    missing: list[str]  # what could not be converted, said as sentences


class RateBook:
    """Every dated rate, read once: converts many amounts without a query per amount (the
    analytics sum thousands of (currency, day) groups with one of these)."""

    def __init__(self, base: str | None = None) -> None:
        self.base = base or base_currency()
        self._days: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, day, rate in ExchangeRate.objects.order_by(
            "currency", "valid_from"
        ).values_list("currency", "valid_from", "rate"):
            self._days.setdefault(currency, []).append(day)
            self._rates.setdefault(currency, []).append(rate)

    def rate(self, currency: str, on: date) -> Decimal | None:
        """The rate in force on `on`, or None when none was entered on or before it."""
        if currency == self.base:
            return Decimal(1)
        at = bisect_right(self._days.get(currency, []), on)
        return self._rates[currency][at - 1] if at else None

    def missing(self, currency: str, on: date) -> str:
        return _("No %(currency)s rate on or before %(day)s.") % {
            "currency": currency,
            "day": on.isoformat(),
        }


def convert_sum(items: Iterable[tuple[Decimal, str, date]]) -> Converted:
    """Σ of (amount, currency, date) in the base currency, each at the rate of its date."""
    book = RateBook()
    total, missing = Decimal(0), []
    for amount, currency, day in items:
        rate = book.rate(currency, day)
        if rate is None:
            message = book.missing(currency, day)
            if message not in missing:
                missing.append(message)
        else:
            total += amount * rate
    return Converted(total.quantize(Decimal("0.01")), book.base, missing)


def today() -> date:
    return timezone.localdate()


OWN_REQUISITE_FIELDS = (
    "legal_name",
    "tax_id",
    "legal_address",
    "signatory",
    *REQUISITE_FIELDS,
)


def own_requisites() -> WorkspaceSettings:
    """The company's own settings row, with its requisites (the seller on invoices)."""
    settings_row, _created = WorkspaceSettings.objects.get_or_create(pk=1)
    return settings_row


@transaction.atomic
def own_requisites_save(*, actor: User, data: dict[str, Any]) -> WorkspaceSettings:
    """Set the company's own requisites (owners and administrators); each bad field named, and
    nothing saved when one is."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators set the company's details."))
    unknown_fields_refuse(data, OWN_REQUISITE_FIELDS)
    row = own_requisites()
    merged = {name: data.get(name, getattr(row, name)) for name in OWN_REQUISITE_FIELDS}
    cleaned = requisites_clean(merged)
    for name in OWN_REQUISITE_FIELDS:
        value = cleaned[name]
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    row.save()
    return row
