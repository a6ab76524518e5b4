"""Reading one cell into a row's values: a table of readers, one per kind of field (text,
emails, phones, dates, yes/no, stages, colleagues, web addresses, choices, languages, segment
parameters), each raising ImportRowError with what is wrong."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from crm_core.common.services import phone_normalise
from crm_core.common.visibility import can_assign_owners
from crm_core.jobs.imports.fields import ImportField, ImportRowError, in_every_language
from crm_core.jobs.models import ImportJob
from crm_core.parties.models import LifecycleStage
from crm_core.segments.services import parameter_expectation, parameter_value_clean
from tenants.identity.models import User

TRUE_WORDS = {"yes", "y", "true", "1", "x", "+", "да", "д", "истина"}
FALSE_WORDS = {"no", "n", "false", "0", "-", "нет", "н", "ложь"}
_SPLIT = re.compile(r"[,;\s]+")
_PHONE_SPLIT = re.compile(r"[,;/]+")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_ISO_DATE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?:[ T][\d:]+)?$")
_DAY_FIRST_DATE = re.compile(r"(?P<day>\d{1,2})[./](?P<month>\d{1,2})[./](?P<year>\d{4}|\d{2})")
# the everyday shape of an address: anything it accepts, Django's validator accepts too
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


def date_read(text: str) -> date:
    """YYYY-MM-DD (with a time or not, as XLSX cells come), DD.MM.YYYY or DD/MM/YYYY."""
    value = _date_of(text)
    if value is None:
        raise ImportRowError(
            _("“%(value)s” is not a date: write it as YYYY-MM-DD or DD.MM.YYYY.") % {"value": text}
        )
    return value


@functools.lru_cache(maxsize=65_536)
def _date_of(text: str) -> date | None:
    """The date `text` writes, or None; remembered, as a file's dates repeat (birthdays,
    signing days) and a million rows feel the parsing."""
    match = _ISO_DATE.match(text) or _DAY_FIRST_DATE.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.group("year", "month", "day"))
        if year < 100:
            year += 1900 if year > datetime.now().year % 100 else 2000  # noqa: DTZ005
        try:
            return date(year, month, day)
        except ValueError:
            pass
    return None


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


_POSSIBLE: dict[tuple[str, int], bool] = {}
# national numbers (8 926 123-45-67): (leading digits, length) -> (digits to drop, prefix)
_NATIONAL: dict[tuple[str, str, int], tuple[int, str] | None] = {}


def phone_read(raw: str) -> str:
    """E.164 of one phone. A number already written internationally (+7 916 123-45-67) is
    possible or not by its country code and length alone, so the full parser runs once per
    (country code, length) rather than once per row."""
    compact = _PHONE_PUNCTUATION.sub("", raw)
    if _E164.fullmatch(compact):
        for size in (1, 2, 3):
            if int(compact[1 : 1 + size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                key = (compact[1 : 1 + size], len(compact))
                if key not in _POSSIBLE:
                    _POSSIBLE[key] = phone_normalise(compact) == compact
                if _POSSIBLE[key]:
                    return compact
                break
    elif compact.isdigit() and len(compact) > 4:
        # numbers alike in their first digits and length are rewritten alike (the national
        # prefix rules go by leading digits): learn the rewrite from one, apply it to the rest
        national = (str(settings.DEFAULT_PHONE_REGION), compact[:4], len(compact))
        if national not in _NATIONAL:
            phone = phone_normalise(compact)
            _NATIONAL[national] = None
            if phone:
                for drop in range(3):
                    prefix = phone[: len(phone) - len(compact) + drop]
                    if phone == prefix + compact[drop:] and prefix.startswith("+"):
                        _NATIONAL[national] = (drop, prefix)
                        break
        rewrite = _NATIONAL[national]
        if rewrite is not None:
            return rewrite[1] + compact[rewrite[0] :]
    phone = phone_normalise(raw)
    if phone is None:
        raise ImportRowError(_("“%(value)s” is not a phone number.") % {"value": raw})
    return phone


@dataclass
class CellContext:
    """What the cell readers need to resolve names: stages, colleagues, choices."""

    job: ImportJob
    actor: User
    stages: dict[str, int] = field(default_factory=dict)
    stage_names: str = ""
    owners: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    may_assign: bool = False

    @classmethod
    def load(cls, job: ImportJob) -> CellContext:
        context = cls(job=job, actor=job.created_by, may_assign=can_assign_owners(job.created_by))
        stages = list(LifecycleStage.objects.values_list("pk", "name"))
        context.stages = {name.lower(): pk for pk, name in stages}
        context.stage_names = ", ".join(name for _pk, name in stages)
        staff = User.objects.filter(is_active=True).exclude(role="customer")
        names: dict[str, list] = {}
        for pk, email, full_name, team in staff.values_list("pk", "email", "full_name", "team"):
            context.owners[email.lower()] = (pk, team)
            names.setdefault(full_name.strip().lower(), []).append((pk, team))
        for name, people in names.items():
            if name and len(people) == 1:  # a name two colleagues share identifies nobody
                context.owners.setdefault(name, people[0])
        return context


# A cell reader puts one cell's value into the row's values, or raises ImportRowError.
Reader = Callable[[dict, str], None]


def _text(item: ImportField, context: CellContext) -> Reader:
    target, limit = item.target, item.max_length

    def read(values: dict, raw: str) -> None:
        if limit and len(raw) > limit:
            raise ImportRowError(_("Too long: at most %(limit)d characters.") % {"limit": limit})
        values[target] = raw

    return read


def _emails(item: ImportField, context: CellContext) -> Reader:
    target = item.target

    def read(values: dict, raw: str) -> None:
        for part in _SPLIT.split(raw.lower()):
            if not part:
                continue
            if len(part) > 254 or not (_PLAIN_EMAIL.fullmatch(part) or _is_email(part)):
                raise ImportRowError(_("“%(value)s” is not an email address.") % {"value": part})
            if part not in values[target]:
                values[target].append(part)

    return read


def _phones(item: ImportField, context: CellContext) -> Reader:
    target = item.target

    def read(values: dict, raw: str) -> None:
        for part in _PHONE_SPLIT.split(raw):
            part = part.strip()
            if part:
                phone = phone_read(part)
                if phone not in values[target]:
                    values[target].append(phone)

    return read


def _date_cell(item: ImportField, context: CellContext) -> Reader:
    target = item.target

    def read(values: dict, raw: str) -> None:
        values[target] = date_read(raw)

    return read


def _yes_no(item: ImportField, context: CellContext) -> Reader:
    target = item.target

    def read(values: dict, raw: str) -> None:
        word = raw.lower()
        if word in TRUE_WORDS:
            values[target] = True
        elif word in FALSE_WORDS:
            values[target] = False
        else:
            raise ImportRowError(_("Write yes or no, not “%(value)s”.") % {"value": raw})

    return read


def _stage(item: ImportField, context: CellContext) -> Reader:
    target, stages, names = item.target, context.stages, context.stage_names

    def read(values: dict, raw: str) -> None:
        stage = stages.get(raw.lower())
        if stage is None:
            raise ImportRowError(
                _("No stage is named “%(value)s”; the stages are: %(names)s.")
                % {"value": raw, "names": names}
            )
        values[target] = stage

    return read


def _owner(item: ImportField, context: CellContext) -> Reader:
    owners, actor, may_assign = context.owners, context.actor, context.may_assign

    def read(values: dict, raw: str) -> None:
        found = owners.get(raw.lower())
        if found is None:
            raise ImportRowError(
                _("No active colleague has the email or name “%(value)s”.") % {"value": raw}
            )
        if found[0] != actor.pk and not may_assign:
            raise ImportRowError(_("You can only own records yourself."))
        values["owner_id"], values["team_id"] = found

    return read


def _url(item: ImportField, context: CellContext) -> Reader:
    target, validator = item.target, URLValidator()

    def read(values: dict, raw: str) -> None:
        url = raw if "://" in raw else f"https://{raw}"
        try:
            validator(url)
        except ValidationError:
            raise ImportRowError(_("“%(value)s” is not a web address.") % {"value": raw}) from None
        if len(url) > 200:
            raise ImportRowError(_("Too long: at most %(limit)d characters.") % {"limit": 200})
        values[target] = url

    return read


def _choice(item: ImportField, context: CellContext) -> Reader:
    target = item.target
    lookup = {}
    for value, label in item.choices:
        for word in (value, *in_every_language(label)):
            lookup[word.lower()] = value
    labels = ", ".join(str(label) for _value, label in item.choices)

    def read(values: dict, raw: str) -> None:
        value = lookup.get(raw.lower())
        if value is None:
            raise ImportRowError(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": raw, "choices": labels}
            )
        values[target] = value

    return read


def _language(item: ImportField, context: CellContext) -> Reader:
    target = item.target
    languages = {}
    for code, name in settings.LANGUAGES:
        languages[code] = code
        languages[name.lower()] = code
    languages.update({"english": "en", "russian": "ru", "русский": "ru", "английский": "en"})

    def read(values: dict, raw: str) -> None:
        code = languages.get(raw.lower())
        if code is None:
            if not re.fullmatch(r"[a-z]{2,3}(-[a-z0-9]{2,4})?", raw.lower()):
                raise ImportRowError(
                    _("“%(value)s” is not a language: write en, ru or the name.") % {"value": raw}
                )
            code = raw.lower()[:8]
        values[target] = code

    return read


def _parameter(item: ImportField, context: CellContext) -> Reader:
    segment = context.job.segment
    parameter = segment.parameter(item.key[2:]) if segment else None
    if parameter is None:  # the mapping offers only the parameters of the job's segment
        raise LookupError(f"the import's segment has no parameter {item.key[2:]!r}")
    expectation = parameter_expectation(parameter)
    choices = {choice.lower(): choice for choice in parameter.get("choices", [])}

    def read(values: dict, raw: str) -> None:
        value: Any = raw
        if parameter["type"] == "choice":
            value = choices.get(raw.lower(), raw)
        elif parameter["type"] == "multi_choice":
            value = [
                choices.get(part.strip().lower(), part.strip())
                for part in re.split(r"[;,]", raw)
                if part.strip()
            ]
        try:
            values["segment_values"][parameter["key"]] = parameter_value_clean(parameter, value)
        except (ValueError, InvalidOperation, TypeError):
            raise ImportRowError(
                _("“%(value)s”: %(expectation)s.") % {"value": raw, "expectation": expectation}
            ) from None

    return read


# each kind of field (ImportField.parse) and what makes its reader
READERS: dict[str, Callable[[ImportField, CellContext], Reader]] = {
    "text": _text,
    "emails": _emails,
    "phones": _phones,
    "date": _date_cell,
    "bool": _yes_no,
    "stage": _stage,
    "owner": _owner,
    "url": _url,
    "choice": _choice,
    "language": _language,
    "parameter": _parameter,
}


def cell_reader(item: ImportField, context: CellContext) -> Reader:
    """The function that reads one cell of `item`'s column into the row's values."""
    return READERS[item.parse](item, context)
