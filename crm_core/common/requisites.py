"""Requisites: the legal, tax and bank details a company's documents carry, for a client company
and for the CRM's own company (its invoices' seller).

Russian details are checked where they carry a check: the ИНН (tax id of a Russian company,
10 digits, or a person, 12) and the ОГРН/ОГРНИП by python-stdnum; a settlement account and a
correspondent account against the bank's БИК by the Central Bank's key (weights 7, 1, 3: the
rule of the Bank of Russia's regulation on account numbers). A foreign company's VAT number is
checked for the countries of the EU, the IBAN and SWIFT code everywhere."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import bic as swift_code
from stdnum import iban
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as NumberInvalid
from stdnum.ru import inn, ogrn

REQUISITE_FIELDS = (
    "legal_form",
    "country",
    "kpp",
    "ogrn",
    "bank_name",
    "bic",
    "settlement_account",
    "correspondent_account",
    "iban",
    "swift",
    "vat_rate",
)
EU_COUNTRIES = frozenset(code.upper() for code in eu_vat.MEMBER_STATES)
ACCOUNT_WEIGHTS = (7, 1, 3) * 8


class Requisites(models.Model):
    """The requisites beside a company's name, legal name, tax id and legal address."""

    legal_form = models.CharField(gettext_lazy("legal form"), max_length=40, blank=True)
    country = models.CharField(gettext_lazy("country"), max_length=2, blank=True)
    kpp = models.CharField(gettext_lazy("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(gettext_lazy("OGRN"), max_length=15, blank=True)
    bank_name = models.CharField(gettext_lazy("bank"), max_length=255, blank=True)
    bic = models.CharField(gettext_lazy("bank's BIK"), max_length=9, blank=True)
    settlement_account = models.CharField(
        gettext_lazy("settlement account"), max_length=20, blank=True
    )
    correspondent_account = models.CharField(
        gettext_lazy("correspondent account"), max_length=20, blank=True
    )
    iban = models.CharField(gettext_lazy("IBAN"), max_length=34, blank=True)
    swift = models.CharField(gettext_lazy("SWIFT code"), max_length=11, blank=True)
    vat_rate = models.DecimalField(
        gettext_lazy("VAT rate, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        abstract = True


def _compact(value: Any) -> str:
    return re.sub(r"[\s-]", "", str(value or "")).upper()


def _account_key_fits(bank_part: str, account: str) -> bool:
    digits = bank_part + account  # 23 digits
    weighted = zip(digits, ACCOUNT_WEIGHTS[: len(digits)], strict=True)
    return sum(int(digit) * weight for digit, weight in weighted) % 10 == 0


def _tax_id_problem(tax_id: str, country: str) -> str | None:
    if not tax_id:
        return None
    if country == "RU":
        if not tax_id.isdigit() or len(tax_id) not in (10, 12):
            return _("An INN has 10 digits (a company) or 12 (a person).")
        return None if inn.is_valid(tax_id) else _("This INN's check digits do not match.")
    if country in EU_COUNTRIES:
        prefix = "EL" if country == "GR" else country  # Greece's VAT numbers say EL
        number = tax_id if tax_id[:2].isalpha() else f"{prefix}{tax_id}"
        if not eu_vat.is_valid(number):
            return _("This is not a valid VAT number of %(country)s.") % {"country": country}
    return None


def _russian_problems(values: dict[str, Any]) -> dict[str, str]:
    problems = {}
    kpp, number, bic = values["kpp"], values["ogrn"], values["bic"]
    if kpp and not re.fullmatch(r"\d{4}[\dA-Z]{2}\d{3}", kpp):
        problems["kpp"] = _(
            "A KPP has 9 characters: four digits, two digits or letters, three digits."
        )
    if number:
        try:
            ogrn.validate(number)
        except NumberInvalid:
            problems["ogrn"] = _(
                "An OGRN has 13 digits (15 for a sole trader) and a matching check digit."
            )
    if bic and not re.fullmatch(r"04\d{7}", bic):
        problems["bic"] = _("A BIK has 9 digits and starts with 04.")
    bic_ok = bic and "bic" not in problems
    settlement = values["settlement_account"]
    if settlement:
        if not re.fullmatch(r"\d{20}", settlement):
            problems["settlement_account"] = _("An account number has 20 digits.")
        elif bic_ok and not _account_key_fits(bic[-3:], settlement):
            problems["settlement_account"] = _(
                "This account's check digit does not match the bank's BIK."
            )
    correspondent = values["correspondent_account"]
    if correspondent:
        if not re.fullmatch(r"301\d{17}", correspondent):
            problems["correspondent_account"] = _(
                "A correspondent account has 20 digits and starts with 301."
            )
        elif bic_ok and not _account_key_fits("0" + bic[4:6], correspondent):
            problems["correspondent_account"] = _(
                "This account's check digit does not match the bank's BIK."
            )
    return problems


def requisites_clean(values: dict[str, Any]) -> dict[str, Any]:
    """The requisites in `values` (with `tax_id`, and the record's others for what it does not
    change) written the one way they are kept, or a ValidationError naming each bad field."""
    cleaned = dict(values)
    for field in ("country", "kpp", "ogrn", "bic", "settlement_account", "iban", "swift"):
        cleaned[field] = _compact(values.get(field))
    cleaned["correspondent_account"] = _compact(values.get("correspondent_account"))
    cleaned["tax_id"] = _compact(values.get("tax_id"))
    for field in ("legal_form", "bank_name"):
        cleaned[field] = str(values.get(field) or "").strip()
    problems = _russian_problems(cleaned)
    country = cleaned["country"]
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        problems["country"] = _("A country is a two-letter code such as RU or DE.")
    else:
        tax_problem = _tax_id_problem(cleaned["tax_id"], country)
        if tax_problem:
            problems["tax_id"] = tax_problem
    if cleaned["iban"] and not iban.is_valid(cleaned["iban"]):
        problems["iban"] = _("This IBAN's check digits do not match.")
    if cleaned["swift"] and not swift_code.is_valid(cleaned["swift"]):
        problems["swift"] = _("A SWIFT code has 8 or 11 letters and digits.")
    rate = values.get("vat_rate")
    if rate not in (None, "") and not Decimal(0) <= Decimal(rate) <= Decimal(100):
        problems["vat_rate"] = _("A VAT rate is from 0 to 100 %.")
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    cleaned["vat_rate"] = None if rate in (None, "") else Decimal(rate)
    return cleaned
