"""Import of contacts and companies from CSV or XLSX.

The pipeline:
1. the dry run reads every row, validates and normalises it in Python (per-row errors name the
   row number, the column and what is wrong) and streams the valid ones with COPY into the
   job's own unlogged table in the tenant's schema (`import_rows_<job id>`), which it commits;
2. duplicates are found in SQL, in one hash join against the existing records (normalised
   emails and phones for contacts, tax id or name for companies), and within the file;
3. the dry run stops there and rolls back what step 2 marked; the import starts from the rows
   the dry run kept (it reads the file again only if they are gone: a crash of the database
   server empties an unlogged table), finds the duplicates again against what the database
   holds now, creates the missing companies and copies the kept rows into the real table with
   one INSERT ... SELECT, and drops the job's table, all in one transaction.

So an import writes everything or nothing, and every record it made carries the import, which
is how the whole import is undone.
"""

# SQL here is assembled from model table and column names, never from what a user typed;
# values always travel as parameters or through COPY.
# ruff: noqa: S608

from __future__ import annotations

import functools
import io
import json
import logging
import operator
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import InvalidOperation
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator, validate_email
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.services.limits import contact_limit_error
from crm_core.models import Company, Contact, LifecycleStage, Notification
from crm_core.models.imports import ImportJob
from crm_core.selectors.visibility import can_assign_owners, visible_to
from crm_core.services.common import owner_resolve, phone_normalise
from crm_core.services.import_files import (
    FileProblem,
    file_format,
    table_open,
    table_preview,
    xlsx_check,
)
from crm_core.services.jobs import running, stopped
from crm_core.services.notifications import notify
from crm_core.services.segments import (
    parameter_expectation,
    parameter_value_clean,
    segment_kind_check,
)
from crm_core.services.spreadsheets import SafeCsvWriter
from tenants.identity.models import User
from tenants.queue import QUEUE_UNREACHABLE
from tenants.realtime import broadcast_after_commit, broadcast_now, group_name

logger = logging.getLogger(__name__)
ERRORS_SHOWN = 200
SEVERAL_COLUMNS = ("emails", "phones")  # the fields more than one column may fill
PROGRESS_EVERY = 10_000
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


class ImportRowError(ValueError):
    """One cell's problem; the message is shown with the row number and the column."""


@dataclass(frozen=True)
class ImportField:
    """A target of a file column: which staging column it fills and how a cell is read."""

    key: str
    label: Any
    parse: str  # text | emails | phones | date | bool | stage | owner | url | choice | language
    column: str = ""  # staging/model column; defaults to the key
    required: bool = False
    max_length: int = 0
    synonyms: tuple[str, ...] = ()
    choices: tuple = ()

    @property
    def target(self) -> str:
        return self.column or self.key


_EMAIL_WORDS = ("email", "e-mail", "emails", "mail", "почта", "эл. почта", "электронная почта")
_PHONE_WORDS = ("phone", "phones", "telephone", "tel", "mobile", "телефон", "телефоны", "моб")
_STAGE_WORDS = ("stage", "lifecycle stage", "status", "стадия", "этап", "статус")
_OWNER_WORDS = ("owner", "manager", "responsible", "ответственный", "менеджер", "владелец")
_NOTES_WORDS = ("notes", "note", "comment", "comments", "заметки", "комментарий", "примечание")

# what contacts and companies share: ways to reach them; stage, owner and notes
_REACH = [
    ImportField("emails", gettext_lazy("Email"), "emails", synonyms=_EMAIL_WORDS),
    ImportField("phones", gettext_lazy("Phone"), "phones", synonyms=_PHONE_WORDS),
]
_STAGE_OWNER_NOTES = [
    ImportField(
        "lifecycle_stage",
        gettext_lazy("Stage"),
        "stage",
        column="lifecycle_stage_id",
        synonyms=_STAGE_WORDS,
    ),
    ImportField("owner", gettext_lazy("Owner"), "owner", column="owner_id", synonyms=_OWNER_WORDS),
    ImportField("notes", gettext_lazy("Notes"), "text", synonyms=_NOTES_WORDS),
]

CONTACT_FIELDS = [
    ImportField(
        "first_name",
        gettext_lazy("First name"),
        "text",
        required=True,
        max_length=120,
        synonyms=("first name", "firstname", "given name", "name", "имя"),
    ),
    ImportField(
        "last_name",
        gettext_lazy("Last name"),
        "text",
        max_length=120,
        synonyms=("last name", "lastname", "surname", "family name", "фамилия"),
    ),
    *_REACH,
    ImportField(
        "company",
        gettext_lazy("Company"),
        "text",
        column="company_name",
        max_length=255,
        synonyms=("company", "organisation", "organization", "компания", "организация"),
    ),
    ImportField(
        "position",
        gettext_lazy("Position"),
        "text",
        max_length=160,
        synonyms=("position", "title", "job title", "role", "должность"),
    ),
    ImportField(
        "birthday",
        gettext_lazy("Birthday"),
        "date",
        synonyms=("birthday", "date of birth", "birth date", "дата рождения", "день рождения"),
    ),
    ImportField(
        "language", gettext_lazy("Language"), "language", synonyms=("language", "lang", "язык")
    ),
    ImportField(
        "preferred_channel",
        gettext_lazy("Preferred channel"),
        "choice",
        choices=tuple(Contact.Channel.choices),
        synonyms=("preferred channel", "channel", "канал", "предпочтительный канал"),
    ),
    ImportField(
        "consent_email",
        gettext_lazy("Agrees to emails"),
        "bool",
        synonyms=("email consent", "consent email", "согласие на email", "согласие на письма"),
    ),
    ImportField(
        "consent_sms",
        gettext_lazy("Agrees to SMS"),
        "bool",
        synonyms=("sms consent", "consent sms", "согласие на sms", "согласие на смс"),
    ),
    ImportField(
        "consent_calls",
        gettext_lazy("Agrees to calls"),
        "bool",
        synonyms=("call consent", "consent calls", "согласие на звонки"),
    ),
    ImportField("is_vip", gettext_lazy("VIP"), "bool", synonyms=("vip", "вип")),
    *_STAGE_OWNER_NOTES,
]
COMPANY_FIELDS = [
    ImportField(
        "name",
        gettext_lazy("Name"),
        "text",
        required=True,
        max_length=255,
        synonyms=("name", "company", "company name", "название", "компания", "наименование"),
    ),
    ImportField(
        "legal_name",
        gettext_lazy("Legal name"),
        "text",
        max_length=255,
        synonyms=("legal name", "full name", "юридическое название", "полное наименование"),
    ),
    ImportField(
        "tax_id",
        gettext_lazy("Tax id"),
        "text",
        max_length=32,
        synonyms=("tax id", "taxid", "vat", "vat number", "inn", "инн"),
    ),
    ImportField(
        "industry",
        gettext_lazy("Industry"),
        "text",
        max_length=120,
        synonyms=("industry", "sector", "отрасль"),
    ),
    ImportField(
        "website", gettext_lazy("Website"), "url", synonyms=("website", "site", "url", "сайт")
    ),
    *_REACH,
    ImportField(
        "legal_address",
        gettext_lazy("Legal address"),
        "text",
        synonyms=("legal address", "address", "юридический адрес", "адрес"),
    ),
    ImportField(
        "postal_address",
        gettext_lazy("Postal address"),
        "text",
        synonyms=("postal address", "mailing address", "почтовый адрес"),
    ),
    *_STAGE_OWNER_NOTES,
]

# staging columns beyond the fields: their SQL types and the value of a blank cell
_SQL_TYPES = {
    "emails": "text[]",
    "phones": "text[]",
    "birthday": "date",
    "consent_email": "boolean",
    "consent_sms": "boolean",
    "consent_calls": "boolean",
    "is_vip": "boolean",
    "lifecycle_stage_id": "integer",
    "owner_id": "integer",
    "team_id": "integer",
}


def _blank(column: str):
    sql_type = _SQL_TYPES.get(column, "text")
    if sql_type == "text[]":
        return []
    if sql_type == "boolean":
        return False
    if sql_type in ("date", "integer"):
        return None
    return ""


def fields_for(kind: str, segment=None) -> list[ImportField]:
    base = CONTACT_FIELDS if kind == ImportJob.Kind.CONTACT else COMPANY_FIELDS
    extra = [
        ImportField(f"p.{item['key']}", item["label"], "parameter", required=item["required"])
        for item in (segment.parameters if segment else [])
    ]
    return base + extra


def _header_key(text: str) -> str:
    return re.sub(r"[\s_*:]+", " ", text.strip().lower()).strip()


def _in_every_language(label) -> list[str]:
    """A translatable label as each of the app's languages writes it."""
    texts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.append(str(label))
    return texts


def mapping_guess(kind: str, headers: list[str], segment=None) -> dict[str, str]:
    """Which field each column most likely fills, by its header in English or Russian (an
    export of ours maps back to itself). Emails and phones may come from several columns."""
    fields = fields_for(kind, segment)
    names: dict[str, str] = {}
    for item in fields:
        for word in (item.key, *_in_every_language(item.label), *item.synonyms):
            names.setdefault(_header_key(word), item.key)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        key = names.get(_header_key(header))
        if key is None or (key in used and key not in SEVERAL_COLUMNS):
            continue
        mapping[str(index)] = key
        used.add(key)
    return mapping


# ---- upload --------------------------------------------------------------------------------


def import_upload(
    *,
    actor: User,
    kind: str,
    upload,
    encoding: str = "auto",
    delimiter: str = "",
    segment=None,
    owner: User | None = None,
    duplicates: str = ImportJob.Duplicates.SKIP,
) -> ImportJob:
    """Store the file and read its header and first rows, guessing the column mapping. A CSV
    is read here; an XLSX workbook is checked from its archive's directory (nothing unpacked)
    and left READING for a worker (`import_read`): unpacking it is no work for a request."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": [_("Import contacts or companies.")]})
    try:
        fmt = file_format(upload.name)
        if fmt == "xlsx":
            xlsx_check(upload)
    except FileProblem as error:
        raise ValidationError({"file": error.messages}) from None
    segment_kind_check(segment, kind)
    owner = owner_resolve(actor=actor, owner=owner)
    job = ImportJob(
        uuid=uuid.uuid4(),
        kind=kind,
        filename=upload.name[-255:],
        encoding=encoding,
        delimiter=delimiter,
        segment=segment,
        owner=owner,
        duplicates=duplicates,
        created_by=actor,
        status=ImportJob.Status.READING,
    )
    if fmt == "csv":
        try:
            _preview_into(job, upload, fmt)
        except FileProblem as error:
            raise ValidationError({"file": error.messages}) from None
    upload.seek(0)
    job.file.save(f"source.{fmt}", upload, save=False)
    job.save()
    return job


def _preview_into(job: ImportJob, stream, fmt: str) -> None:
    """The file's encoding, delimiter, headers, first rows and size, and a mapping guess."""
    job.encoding, job.delimiter, job.headers, job.sample, job.total_rows = table_preview(
        stream, file_format=fmt, encoding=job.encoding, delimiter=job.delimiter
    )
    job.mapping = mapping_guess(job.kind, job.headers, job.segment)
    job.status = ImportJob.Status.UPLOADED


def import_read(*, job: ImportJob) -> ImportJob:
    """A worker reads the stored workbook's header and first rows (the upload's READING step);
    a file that cannot be read fails the job, saying why."""
    if job.status != ImportJob.Status.READING:
        return job  # a redelivered message
    fmt = file_format(job.file.name)
    try:
        with running(job), job.file.open("rb") as stream:
            _preview_into(job, stream, fmt)
    except FileProblem as error:
        job.status = ImportJob.Status.FAILED
        job.problem = " ".join(error.messages)
    job.save()
    _finished_push(job)
    return job


def import_mapping_set(
    *, job: ImportJob, mapping: dict[str, str], skip_invalid: bool = False
) -> ImportJob:
    """Save the column mapping after checking it can work; the next step is the dry run."""
    if job.is_running or job.status in (ImportJob.Status.DONE, ImportJob.Status.UNDONE):
        raise ValidationError(_("This import can no longer be changed."))
    fields = {item.key: item for item in fields_for(job.kind, job.segment)}
    problems: list[str] = []
    cleaned: dict[str, str] = {}
    for column, key in mapping.items():
        if not key:
            continue
        if key not in fields or not column.isdigit() or int(column) >= len(job.headers):
            problems.append(_("Column %(column)s: unknown target.") % {"column": column})
            continue
        if key in cleaned.values() and key not in SEVERAL_COLUMNS:
            problems.append(
                _("Only one column can fill “%(field)s”.") % {"field": fields[key].label}
            )
            continue
        cleaned[column] = key
    for item in fields.values():
        if item.required and item.key not in cleaned.values():
            hint = ""
            if len(job.headers) == 1 and job.delimiter != "\t":
                hint = " " + _(
                    "The file has one column only: is the delimiter right? Choose it on upload."
                )
            problems.append(
                _("Choose the column for “%(field)s”: it is required.") % {"field": item.label}
                + hint
            )
    if problems:
        raise ValidationError({"mapping": problems})
    job.mapping = cleaned
    job.skip_invalid = skip_invalid
    job.status = ImportJob.Status.CHECKING
    job.save(update_fields=["mapping", "skip_invalid", "status"])
    return job


# ---- reading rows ----------------------------------------------------------------------------


def _date(text: str) -> date:
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


def _phone(raw: str) -> str:
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
        key = (settings.DEFAULT_PHONE_REGION, compact[:4], len(compact))
        if key not in _NATIONAL:
            phone = phone_normalise(compact)
            _NATIONAL[key] = None
            if phone:
                for drop in range(3):
                    prefix = phone[: len(phone) - len(compact) + drop]
                    if phone == prefix + compact[drop:] and prefix.startswith("+"):
                        _NATIONAL[key] = (drop, prefix)
                        break
        rewrite = _NATIONAL[key]
        if rewrite is not None:
            return rewrite[1] + compact[rewrite[0] :]
    phone = phone_normalise(raw)
    if phone is None:
        raise ImportRowError(_("“%(value)s” is not a phone number.") % {"value": raw})
    return phone


@dataclass
class _Context:
    """What the cell readers need to resolve names: stages, colleagues, choices."""

    job: ImportJob
    actor: User
    stages: dict[str, int] = field(default_factory=dict)
    stage_names: str = ""
    owners: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    may_assign: bool = False

    @classmethod
    def load(cls, job: ImportJob) -> _Context:
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


def _reader(item: ImportField, context: _Context) -> Callable[[dict, str], None]:
    """A function that reads one cell into the row's values (or raises ImportRowError)."""
    target = item.target
    kind = item.parse
    if kind == "text":
        limit = item.max_length

        def read(values: dict, raw: str) -> None:
            if limit and len(raw) > limit:
                raise ImportRowError(
                    _("Too long: at most %(limit)d characters.") % {"limit": limit}
                )
            values[target] = raw

    elif kind == "emails":

        def read(values: dict, raw: str) -> None:
            for part in _SPLIT.split(raw.lower()):
                if not part:
                    continue
                if len(part) > 254 or not (_PLAIN_EMAIL.fullmatch(part) or _is_email(part)):
                    raise ImportRowError(
                        _("“%(value)s” is not an email address.") % {"value": part}
                    )
                if part not in values[target]:
                    values[target].append(part)

    elif kind == "phones":

        def read(values: dict, raw: str) -> None:
            for part in _PHONE_SPLIT.split(raw):
                part = part.strip()
                if part:
                    phone = _phone(part)
                    if phone not in values[target]:
                        values[target].append(phone)

    elif kind == "date":

        def read(values: dict, raw: str) -> None:
            values[target] = _date(raw)

    elif kind == "bool":

        def read(values: dict, raw: str) -> None:
            word = raw.lower()
            if word in TRUE_WORDS:
                values[target] = True
            elif word in FALSE_WORDS:
                values[target] = False
            else:
                raise ImportRowError(_("Write yes or no, not “%(value)s”.") % {"value": raw})

    elif kind == "stage":
        stages, names = context.stages, context.stage_names

        def read(values: dict, raw: str) -> None:
            stage = stages.get(raw.lower())
            if stage is None:
                raise ImportRowError(
                    _("No stage is named “%(value)s”; the stages are: %(names)s.")
                    % {"value": raw, "names": names}
                )
            values[target] = stage

    elif kind == "owner":
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

    elif kind == "url":
        validator = URLValidator()

        def read(values: dict, raw: str) -> None:
            url = raw if "://" in raw else f"https://{raw}"
            try:
                validator(url)
            except ValidationError:
                raise ImportRowError(
                    _("“%(value)s” is not a web address.") % {"value": raw}
                ) from None
            if len(url) > 200:
                raise ImportRowError(_("Too long: at most %(limit)d characters.") % {"limit": 200})
            values[target] = url

    elif kind == "choice":
        lookup = {}
        for value, label in item.choices:
            for word in (value, *_in_every_language(label)):
                lookup[word.lower()] = value
        labels = ", ".join(str(label) for _value, label in item.choices)

        def read(values: dict, raw: str) -> None:
            value = lookup.get(raw.lower())
            if value is None:
                raise ImportRowError(
                    _("“%(value)s” is not one of: %(choices)s.") % {"value": raw, "choices": labels}
                )
            values[target] = value

    elif kind == "language":
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
                        _("“%(value)s” is not a language: write en, ru or the name.")
                        % {"value": raw}
                    )
                code = raw.lower()[:8]
            values[target] = code

    elif kind == "parameter":
        parameter = context.job.segment.parameter(item.key[2:])
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

    else:  # pragma: no cover - the field table above is the whole list
        raise ValueError(kind)
    return read


# ---- the pipeline --------------------------------------------------------------------------


@dataclass
class Problems:
    """Row errors and duplicates: all of them go to the report file, the first few to the
    screen."""

    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    duplicates: list[dict] = field(default_factory=list)
    duplicate_count: int = 0
    report: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self.writer = SafeCsvWriter(self.report)
        self.writer.writerow([_("Row"), _("Column"), _("Problem")])

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_SHOWN:
            self.errors.append({"row": row, "column": column, "message": message})
        self.writer.writerow([row, column, message])

    def duplicate(self, row: int, match: str, record_id: int | None, of_row: int | None) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < ERRORS_SHOWN:
            self.duplicates.append(
                {"row": row, "match": match, "record": record_id, "of_row": of_row}
            )
        if record_id:
            text = _("Matches existing record #%(id)s by %(match)s") % {
                "id": record_id,
                "match": match,
            }
        else:
            text = _("Same %(match)s as row %(row)s") % {"match": match, "row": of_row}
        self.writer.writerow([row, "", text])


def _progress_key(job: ImportJob) -> str:
    return f"import-progress:{job.uuid}"


def _job_group(job: ImportJob) -> str:
    return group_name("import", job.pk)


def _progress_push(job: ImportJob, processed: int) -> None:
    """Progress goes out at once: the rows are still inside the job's transaction."""
    broadcast_now(
        [_job_group(job)],
        {"type": "job.progress", "done": processed, "total": job.total_rows},
    )


def _finished_push(job: ImportJob) -> None:
    """The page that watches the job reloads its result; whoever started it is told."""
    broadcast_after_commit([_job_group(job)], {"type": "job.finished", "status": job.status})
    kinds = {
        ImportJob.Status.CHECKED: Notification.Kind.IMPORT_CHECKED,
        ImportJob.Status.DONE: Notification.Kind.IMPORT_DONE,
        ImportJob.Status.FAILED: Notification.Kind.IMPORT_FAILED,
    }
    if job.status in kinds:
        notify(
            recipients=[job.created_by],
            kind=kinds[job.status],
            params={
                "file": job.filename,
                "valid": job.valid_rows,
                "errors": job.error_count,
                "created": job.created_count,
                "problem": job.problem,
            },
            url=reverse("import_detail", args=[job.pk]),
        )


def import_progress(job: ImportJob) -> int:
    """Rows processed so far (the job runs in one transaction, so this lives in the cache)."""
    if job.is_running:
        return cache.get(_progress_key(job), 0)
    return job.processed_rows


def _staging_columns(kind: str, fields: list[ImportField]) -> list[str]:
    columns = [item.target for item in fields if item.parse != "parameter"]
    columns += ["owner_id", "team_id", "segment_values"]
    return list(dict.fromkeys(columns))


def _dup_keys(kind: str, values: dict) -> list[tuple[str, str]]:
    if kind == ImportJob.Kind.CONTACT:
        return [("email", e) for e in values["emails"]] + [("phone", p) for p in values["phones"]]
    keys = [("name", values["name"].lower())]
    if values.get("tax_id"):
        keys.append(("tax id", values["tax_id"]))
    return keys


def _staged_table(job: ImportJob) -> str:
    """The job's table of checked rows, in the tenant's schema (the search path's first)."""
    return f"import_rows_{int(job.pk)}"


def _staged_drop(job: ImportJob) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_staged_table(job)}")


def _staged_intact(job: ImportJob) -> bool:
    """Whether the rows the dry run kept are all still there for the import."""
    table = _staged_table(job)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [table])
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0] == job.staged_rows


def _array_literal(items: list[str]) -> str:
    """A text[] literal, written here because psycopg's list dumper is pure Python and the
    hot loop of a million-row import feels it."""
    return (
        "{"
        + ",".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items)
        + "}"
    )


class _Pass:
    """One pass over the file into the job's table of checked rows (`_staged_table`)."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.kind = job.kind
        self.fields = fields_for(job.kind, job.segment)
        self.context = _Context.load(job)
        self.columns = _staging_columns(job.kind, self.fields)
        self.problems = Problems()
        self.valid = 0
        self.processed = 0
        self.seen: dict[tuple[str, str], int] = {}

    @classmethod
    def checked(cls, job: ImportJob) -> _Pass:
        """The pass the dry run made, as its job recorded it: its rows are in the table."""
        stage = cls(job)
        stage.valid = job.staged_rows
        stage.processed = job.processed_rows
        problems = stage.problems
        problems.error_count = job.error_count
        problems.errors = list(job.errors)
        problems.duplicate_count = job.file_duplicates
        problems.duplicates = [item for item in job.duplicate_rows if item["record"] is None]
        return stage

    def run(self) -> None:
        by_key = {item.key: item for item in self.fields}
        steps = [
            (int(column), by_key[key], _reader(by_key[key], self.context))
            for column, key in sorted(self.job.mapping.items(), key=lambda pair: int(pair[0]))
        ]
        required = [item for item in self.fields if item.required]
        headers = self.job.headers
        owner = self.job.owner
        defaults = {column: _blank(column) for column in self.columns}
        defaults.update(owner_id=owner.pk, team_id=owner.team_id)
        column_list = ", ".join(["row", *self.columns])
        row_of = operator.itemgetter(*self.columns)
        processed = 0
        staged = _staged_table(self.job)
        with connection.cursor() as cursor:
            sql_columns = ", ".join(
                f"{name} {_SQL_TYPES.get(name, 'text')}" for name in self.columns
            )
            cursor.execute(f"DROP TABLE IF EXISTS {staged}")
            # unlogged: no write-ahead log for rows that a new dry run can always make again
            cursor.execute(
                f"CREATE UNLOGGED TABLE {staged} (row integer PRIMARY KEY, {sql_columns}, "
                "duplicate_of integer)"
            )
            with (
                table_open(
                    self.job.file.open("rb"),
                    file_format=file_format(self.job.file.name),
                    encoding=self.job.encoding,
                    delimiter=self.job.delimiter,
                ) as table,
                cursor.copy(f"COPY {staged} ({column_list}) FROM STDIN") as copy,
            ):
                for number, cells in table.rows:
                    processed += 1
                    if processed % PROGRESS_EVERY == 0:
                        cache.set(_progress_key(self.job), processed, 3600)
                        _progress_push(self.job, processed)
                    values = defaults.copy()
                    values["emails"] = []
                    values["phones"] = []
                    values["segment_values"] = {}
                    bad = False
                    width = len(cells)
                    for index, _item, read in steps:
                        raw = cells[index].strip() if index < width else ""
                        if not raw:
                            continue
                        try:
                            read(values, raw)
                        except ImportRowError as error:
                            self.problems.error(number, headers[index], str(error))
                            bad = True
                    for item in required:
                        blank = (
                            item.key.startswith("p.")
                            and item.key[2:] not in values["segment_values"]
                        ) or (not item.key.startswith("p.") and not values[item.target])
                        if blank:
                            self.problems.error(
                                number,
                                self._column_of(item.key),
                                _("%(field)s is required.") % {"field": item.label},
                            )
                            bad = True
                    if bad:
                        continue
                    duplicate = self._duplicate_in_file(number, values)
                    if duplicate and self.job.skips_duplicates:
                        continue
                    self.valid += 1
                    parameters = values["segment_values"]
                    values["segment_values"] = json.dumps(parameters) if parameters else "{}"
                    values["emails"] = _array_literal(values["emails"])
                    values["phones"] = "{" + ",".join(values["phones"]) + "}"
                    copy.write_row((number, *row_of(values)))
            cursor.execute(f"ANALYZE {staged}")
        self.processed = processed

    def _column_of(self, key: str) -> str:
        for column, mapped in self.job.mapping.items():
            if mapped == key:
                return self.job.headers[int(column)]
        return ""

    def _duplicate_in_file(self, number: int, values: dict) -> bool:
        keys = _dup_keys(self.kind, values)
        seen = self.seen
        for label_key in keys:
            first = seen.get(label_key)
            if first is not None:
                label, key = label_key
                self.problems.duplicate(number, f"{_(label)} {key}", None, first)
                return True
        for label_key in keys:
            seen[label_key] = number
        return False


def _existing_duplicates(job: ImportJob, problems: Problems) -> int:
    """Mark staged rows that match existing records; one hash join per kind of key."""
    staged = _staged_table(job)
    if job.kind == ImportJob.Kind.CONTACT:
        table = Contact._meta.db_table
        statements = [
            (
                _("email"),
                f"""WITH staged AS (SELECT row, unnest(emails) AS key FROM {staged}),
                existing AS (SELECT id, unnest(emails) AS key FROM {table}
                             WHERE archived_at IS NULL)
                SELECT staged.row, min(existing.id), min(staged.key) FROM staged
                JOIN existing USING (key) GROUP BY staged.row""",
            ),
            (
                _("phone"),
                f"""WITH staged AS (SELECT row, unnest(phones) AS key FROM {staged}),
                existing AS (SELECT id, unnest(phones) AS key FROM {table}
                             WHERE archived_at IS NULL)
                SELECT staged.row, min(existing.id), min(staged.key) FROM staged
                JOIN existing USING (key) GROUP BY staged.row""",
            ),
        ]
    else:
        table = Company._meta.db_table
        statements = [
            (
                _("tax id"),
                f"""SELECT s.row, min(c.id), min(s.tax_id) FROM {staged} s
                JOIN {table} c ON c.tax_id = s.tax_id
                WHERE s.tax_id <> '' AND c.archived_at IS NULL GROUP BY s.row""",
            ),
            (
                _("name"),
                f"""SELECT s.row, min(c.id), min(s.name) FROM {staged} s
                JOIN {table} c ON lower(c.name) = lower(s.name)
                WHERE c.archived_at IS NULL GROUP BY s.row""",
            ),
        ]
    found: dict[int, int] = {}
    with connection.cursor() as cursor:
        for label, sql in statements:
            cursor.execute(sql)
            for row, record_id, key in cursor.fetchall():
                if row not in found:
                    found[row] = record_id
                    problems.duplicate(row, f"{label} {key}", record_id, None)
        if found:
            cursor.execute("DROP TABLE IF EXISTS import_dups")
            cursor.execute(
                "CREATE TEMPORARY TABLE import_dups (row integer, record integer) ON COMMIT DROP"
            )
            with cursor.copy("COPY import_dups (row, record) FROM STDIN") as copy:
                for row, record_id in found.items():
                    copy.write_row((row, record_id))
            cursor.execute(
                f"UPDATE {staged} s SET duplicate_of = d.record FROM import_dups d "
                "WHERE d.row = s.row"
            )
    return len(found)


COMPANIES_FOUND = "import_companies"


def _companies_resolve(job: ImportJob, *, write: bool) -> int:
    """Find the companies the contacts name (by name, among the companies the importer sees);
    names nobody has yet become new companies. Leaves the name-to-company table
    `COMPANIES_FOUND` (key, id, created) for the insert to join, and returns how many are (to
    be) created."""
    visible = (
        visible_to(Company.objects.filter(archived_at=None), job.created_by)
        .annotate(key=Lower("name"))
        .values("id", "key")
    )
    sql, params = visible.query.sql_with_params()
    kept = "duplicate_of IS NULL" if job.skips_duplicates else "TRUE"
    staged = _staged_table(job)
    # one pass over the rows: each name the kept rows give, and the first row giving it
    unknown = f"NOT EXISTS (SELECT FROM {COMPANIES_FOUND} f WHERE f.key = n.key)"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_names")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE import_names ON COMMIT DROP AS
            SELECT lower(company_name) AS key, min(row) AS first FROM {staged}
            WHERE company_name <> '' AND {kept} GROUP BY 1"""
        )
        cursor.execute("ANALYZE import_names")
        cursor.execute(f"DROP TABLE IF EXISTS {COMPANIES_FOUND}")
        cursor.execute(
            f"""CREATE TEMPORARY TABLE {COMPANIES_FOUND} ON COMMIT DROP AS
            SELECT DISTINCT ON (v.key) v.key, v.id, false AS created
            FROM ({sql}) v JOIN import_names n ON n.key = v.key ORDER BY v.key, v.id""",
            params,
        )
        cursor.execute(f"ANALYZE {COMPANIES_FOUND}")
        cursor.execute(f"SELECT count(*) FROM import_names n WHERE {unknown}")
        new = cursor.fetchone()[0]
        if write and new:
            insert, insert_params = _insert_sql(
                Company,
                job,
                {"name": "s.company_name", "emails": "'{}'", "phones": "'{}'", "notes": "''"},
                f"FROM import_names n JOIN {staged} s ON s.row = n.first WHERE {unknown}",
                staged=("owner_id", "team_id"),
            )
            cursor.execute(
                f"""WITH created AS ({insert} RETURNING lower(name) AS key, id)
                INSERT INTO {COMPANIES_FOUND} SELECT key, id, true FROM created""",
                insert_params,
            )
    return new


def _insert_sql(
    model, job: ImportJob, expressions: dict[str, str], source: str, staged
) -> tuple[str, list]:
    """INSERT INTO the model's table SELECT from the staged rows: staged columns by name,
    `expressions` where given, and every other column its model default."""
    columns, selects, params = [], [], []
    now = timezone.now()
    for item in model._meta.concrete_fields:
        if item.primary_key:
            continue
        column = item.column
        columns.append(column)
        if column in expressions:
            selects.append(expressions[column])
        elif column in staged:
            selects.append(f"s.{column}::jsonb" if column == "segment_values" else f"s.{column}")
        elif column in ("created_at", "updated_at"):
            selects.append("%s")
            params.append(now)
        elif column == "import_job_id":
            selects.append("%s")
            params.append(job.pk)
        elif column == "segment_id":
            selects.append("%s")
            params.append(job.segment_id)
        else:
            selects.append("%s")
            params.append(item.get_db_prep_save(item.get_default(), connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} {source}"
    )
    return sql, params


# From this many rows up, a second connection inserts about half of them alongside the job's
# own (bench/import_contacts.py: PostgreSQL spends an import's time in index upkeep, one core
# per connection). Smaller imports gain less than the second connection costs.
SECOND_WRITER_ROWS = 100_000


class _SecondWriter(threading.Thread):
    """Inserts a share of the rows on a connection of its own, checks its deferred foreign
    keys, then waits: the job commits this share just before its own once everything else
    has passed, or abandons it."""

    def __init__(self, schema: str, statements: list[tuple[str, list]]) -> None:
        super().__init__(name="import-second-writer", daemon=True)
        self.schema = schema
        self.statements = statements
        self.count = 0
        self.seconds = 0.0  # inserting and checking its share
        self.error: BaseException | None = None
        self.committed = False
        self.checked = threading.Event()
        self.decided = threading.Event()
        self.go = False

    def run(self) -> None:
        try:
            connection.set_schema(self.schema)
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                # the job's thread waits for this one without the database knowing: a lock
                # its transaction held and this one wanted would hang both, so waiting for a
                # lock ends in an error (today neither takes a lock the other wants)
                cursor.execute("SET LOCAL lock_timeout = '5min'")
                for sql, params in self.statements:
                    cursor.execute(sql, params)
                self.count = cursor.rowcount
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self.seconds = time.perf_counter() - started
                self.checked.set()
                self.decided.wait()
                if not self.go:
                    transaction.set_rollback(True)
            self.committed = self.go
        except BaseException as error:  # handed to the job's thread, which raises it
            self.error = error
        finally:
            self.checked.set()
            connection.close()

    def share(self) -> int:
        """Rows inserted and checked; raises what stopped the writer."""
        self.checked.wait()
        if self.error is not None:
            raise self.error
        return self.count

    def decide(self, *, commit: bool) -> None:
        self.go = commit
        self.decided.set()
        self.join()
        if commit and not self.committed:
            raise self.error or RuntimeError("the second writer did not commit")


def _write(
    job: ImportJob, model, stage: _Pass, *, committed_rows: bool, writers: list[_SecondWriter]
) -> int:
    """Insert the checked rows; returns how many. A second writer that takes part is added
    to `writers` as it starts.

    A large import is shared with a second writer (`SECOND_WRITER_ROWS`), which sees only
    what is committed: the job's table of checked rows (`committed_rows`: the import starts
    from a dry run's rows) and the companies that existed before. It takes rows up to a
    cutoff among those naming no new company, about half; the job's own transaction takes
    the rest and creates the new companies. Both check their foreign keys before either
    commits, so the only step between the two commits is the job's commit itself."""
    contact = model is Contact
    staged = _staged_table(job)
    kept = " AND s.duplicate_of IS NULL" if job.skips_duplicates else ""
    joined = f" LEFT JOIN {COMPANIES_FOUND} f ON f.key = lower(s.company_name)" if contact else ""
    shareable = "(s.company_name = '' OR f.created IS FALSE)" if contact else "TRUE"

    def insert_where(condition: str) -> tuple[str, list]:
        return _insert_sql(
            model,
            job,
            {"company_id": "f.id"} if contact else {},
            f"FROM {staged} s{joined} WHERE {condition}",
            staged=set(stage.columns),
        )

    second = cutoff = None
    if committed_rows and job.staged_rows >= SECOND_WRITER_ROWS:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT s.row FROM {staged} s{joined} WHERE {shareable}{kept} "
                "ORDER BY s.row OFFSET %s LIMIT 1",
                [max(job.staged_rows // 2 - 1, 0)],
            )
            found = cursor.fetchone()
            cutoff = found[0] if found else 2**31 - 1
            cursor.execute(
                f"SELECT coalesce(array_agg(key), '{{}}'), coalesce(array_agg(id), '{{}}') "
                f"FROM {COMPANIES_FOUND} WHERE NOT created"
                if contact
                else "SELECT '{}'::text[], '{}'::int[]"
            )
            keys, ids = cursor.fetchone()
            dropped: list[int] = []
            if job.skips_duplicates:
                cursor.execute(f"SELECT row FROM {staged} WHERE duplicate_of IS NOT NULL")
                dropped = [row for (row,) in cursor.fetchall()]
        # the second connection cannot see this transaction's marks and companies: they go
        # to it as values, into temporary tables of its own
        statements = [
            (f"DROP TABLE IF EXISTS {COMPANIES_FOUND}", []),
            (
                f"CREATE TEMPORARY TABLE {COMPANIES_FOUND} ON COMMIT DROP AS "
                "SELECT key, id, false AS created FROM unnest(%s::text[], %s::int[]) m(key, id)",
                [keys, ids],
            ),
            ("DROP TABLE IF EXISTS import_dropped", []),
            (
                "CREATE TEMPORARY TABLE import_dropped ON COMMIT DROP AS "
                "SELECT unnest(%s::int[]) AS row",
                [dropped],
            ),
            ("ANALYZE import_dropped", []),
            insert_where(
                f"s.row <= {cutoff} AND {shareable} "
                "AND NOT EXISTS (SELECT FROM import_dropped d WHERE d.row = s.row)"
            ),
        ]
        second = _SecondWriter(connection.schema_name, statements)
        writers.append(second)
        second.start()
        logger.info("import %s: a second connection writes shareable rows up to %s", job.pk, cutoff)
    try:
        mine = f"NOT (s.row <= {cutoff} AND {shareable})" if second else "TRUE"
        # ids follow the file's order when one connection writes; two interleave them anyway,
        # so they skip the sort
        insert, params = insert_where(f"{mine}{kept}" + ("" if second else " ORDER BY s.row"))
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(insert, params)
            created = cursor.rowcount
            if second:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        shared = second.share() if second else 0
        if second:
            logger.info(
                "import %s: %s rows here in %.1f s, %s by the second writer in %.1f s",
                job.pk,
                created,
                time.perf_counter() - started,
                shared,
                second.seconds,
            )
        if contact:
            over = contact_limit_error(adding=shared)
            if over:  # the inserts are rolled back with the transactions
                raise FileProblem(over)
        if second:
            second.decide(commit=True)
    except BaseException:
        if second and not second.decided.is_set():
            second.decide(commit=False)
        raise
    return created + shared


class _Clock:
    """Seconds per phase, for the log line of every import."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.laps: list[str] = []

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append(f"{name} {now - self.last:.2f}s")
        self.last = now

    def __str__(self) -> str:
        return ", ".join(self.laps)


def _execute(job: ImportJob, *, write: bool) -> None:
    """The dry run or the import, its messages in the language of whoever uploaded the file."""
    with translation.override(job.language or None), running(job):
        _execute_pass(job, write=write)
    cache.delete(_progress_key(job))
    _finished_push(job)


def _execute_pass(job: ImportJob, *, write: bool) -> None:
    """The dry run (write=False) or the import. The dry run commits the rows it kept in the
    job's table and rolls back the rest; the import is one transaction, which starts from
    those rows (or reads the file again when they are gone). The job row is updated
    afterwards, outside that transaction."""
    model = Contact if job.kind == ImportJob.Kind.CONTACT else Company
    reused = write and _staged_intact(job)
    writers: list[_SecondWriter] = []
    stage = _Pass.checked(job) if reused else _Pass(job)
    created = companies = db_duplicates = 0
    clock = _Clock()
    try:
        if not write:
            with transaction.atomic():
                stage.run()
            clock.lap("read")
        with transaction.atomic():
            if write and not reused:
                stage.run()
                clock.lap("read")
            file_duplicates = stage.problems.duplicate_count
            db_duplicates = _existing_duplicates(job, stage.problems)
            clock.lap("duplicates")
            if job.kind == ImportJob.Kind.CONTACT:
                companies = _companies_resolve(job, write=write)
                clock.lap("companies")
            if write:
                if stage.problems.error_count and not job.skip_invalid:
                    raise FileProblem(_("The file has errors: check it again and fix them."))
                created = _write(job, model, stage, committed_rows=reused, writers=writers)
                _staged_drop(job)
                clock.lap("insert")
            else:
                transaction.set_rollback(True)
    except FileProblem as error:
        _failed(job, " ".join(error.messages), write=write)
        return
    except Exception:
        if any(writer.committed for writer in writers):
            # the job's own commit failed (its connection lost) after the second writer's share
            # was committed: take that share back on a new connection
            logger.error("import %s: taking back the second writer's committed rows", job.pk)
            connection.close()
            with transaction.atomic():
                _undo_model(model, job)
        _failed(
            job, _("The import stopped on an unexpected error; nothing was written."), write=write
        )
        raise
    clock.lap("commit")
    logger.info(
        "import %s (%s rows, write=%s, checked rows reused=%s, second writer %s rows): %s",
        job.pk,
        stage.processed,
        write,
        reused,
        sum(writer.count for writer in writers),
        clock,
    )
    problems = stage.problems
    job.problem = ""
    job.processed_rows = stage.processed
    job.total_rows = stage.processed
    job.staged_rows = stage.valid
    job.file_duplicates = file_duplicates
    job.valid_rows = stage.valid - (db_duplicates if job.skips_duplicates else 0)
    job.error_count = problems.error_count
    job.duplicate_count = problems.duplicate_count
    job.errors = problems.errors
    job.duplicate_rows = sorted(problems.duplicates, key=lambda item: item["row"])
    job.companies_created = companies
    if write:
        job.status = ImportJob.Status.DONE
        job.created_count = created
        job.finished_at = timezone.now()
    else:
        job.status = ImportJob.Status.CHECKED
        job.checked_at = timezone.now()
        _report_save(job, problems)
    job.save()


def _failed(job: ImportJob, problem: str, *, write: bool) -> None:
    """A failed dry run sends the user back to the mapping; a failed import stays failed (and
    its checked rows go)."""
    job.status = ImportJob.Status.FAILED if write else ImportJob.Status.UPLOADED
    job.problem = problem
    job.finished_at = timezone.now()
    job.save()
    if write:
        _staged_drop(job)


def imports_purge(*, now=None) -> int:
    """Drop the checked rows of imports nobody started within a day of their dry run (an
    import started later reads its file again) and of imports that ended; returns how many
    tables went."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename ~ '^import_rows_[0-9]+$'"
        )
        tables = {int(name.rsplit("_", 1)[1]): name for (name,) in cursor.fetchall()}
        waiting = ImportJob.objects.filter(pk__in=tables).filter(
            Q(status__in=[ImportJob.Status.CHECKING, ImportJob.Status.IMPORTING])
            | Q(status=ImportJob.Status.CHECKED, checked_at__gte=cutoff)
        )
        kept = set(waiting.values_list("pk", flat=True))
        for pk, name in tables.items():
            if pk not in kept:
                cursor.execute(f"DROP TABLE IF EXISTS {name}")
    return len(tables) - len(kept)


def report_path(job: ImportJob) -> str:
    return f"imports/{job.uuid}/problems.csv"


def _report_save(job: ImportJob, problems: Problems) -> None:
    path = report_path(job)
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(("\ufeff" + problems.report.getvalue()).encode()))


def import_check(*, job: ImportJob) -> ImportJob:
    """The dry run: every row validated and matched, nothing written."""
    _execute(job, write=False)
    return job


def import_start(*, job: ImportJob) -> ImportJob:
    if not job.can_import:
        raise ValidationError(_("Check the file first; it can be imported once it has no errors."))
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["status"])
    return job


def import_run(*, job: ImportJob) -> ImportJob:
    _execute(job, write=True)
    return job


def import_undo_start(*, job: ImportJob) -> ImportJob:
    if job.status != ImportJob.Status.DONE:
        raise ValidationError(_("Only a finished import can be undone."))
    job.status = ImportJob.Status.UNDOING
    job.problem = ""
    job.save(update_fields=["status", "problem"])
    return job


# where a step that did not happen leaves its job: where the user can start it again
BEFORE_STEP = {
    ImportJob.Status.READING: ImportJob.Status.FAILED,
    ImportJob.Status.CHECKING: ImportJob.Status.UPLOADED,
    ImportJob.Status.IMPORTING: ImportJob.Status.CHECKED,
    ImportJob.Status.UNDOING: ImportJob.Status.DONE,
}


def import_not_queued(*, job: ImportJob) -> None:
    """The broker would not take the job's message: back to where the user can try again."""
    job.status = BEFORE_STEP.get(job.status, job.status)
    job.problem = str(QUEUE_UNREACHABLE)
    job.save(update_fields=["status", "problem"])


def _used(model) -> list[Exists]:
    """Conditions: a record of `model` is referenced by anything else."""
    conditions = []
    for relation in model._meta.related_objects:
        if relation.many_to_many:
            through = relation.through
            link = next(
                item.name
                for item in through._meta.concrete_fields
                if item.is_relation and item.related_model is model
            )
            conditions.append(Exists(through.objects.filter(**{link: OuterRef("pk")})))
        else:
            related = relation.related_model._base_manager
            conditions.append(Exists(related.filter(**{relation.field.name: OuterRef("pk")})))
    return conditions


def _undo_model(model, job: ImportJob) -> tuple[int, int]:
    imported = model.objects.filter(import_job=job)
    conditions = _used(model)
    used = imported.none()
    for condition in conditions:
        used = used | imported.filter(condition)
    archived = imported.filter(pk__in=used.values("pk")).update(
        archived_at=timezone.now(), import_job=None
    )
    sql, params = imported.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id IN ({sql})", params)
        removed = cursor.rowcount
    return removed, archived


def import_undo(*, job: ImportJob) -> ImportJob:
    """Remove what the import created. Records that others have since linked to (a logged
    call, a deal, an order) are archived instead, so nothing anyone added is lost."""
    with running(job), transaction.atomic():
        removed, archived = (0, 0)
        if job.kind == ImportJob.Kind.CONTACT:
            removed, archived = _undo_model(Contact, job)
        company_removed, company_archived = _undo_model(Company, job)
    job.undo_removed = removed + company_removed
    job.undo_archived = archived + company_archived
    job.status = ImportJob.Status.UNDONE
    job.undone_at = timezone.now()
    job.save()
    _finished_push(job)
    return job


def imports_recover(*, now=None) -> int:
    """Jobs whose worker died in the middle of a step (crm_core.services.jobs): the step's
    transaction was rolled back with its session, so the job goes back to where its user can
    start the step again, saying so. Returns how many were recovered."""
    return sum(
        _recover(job) for job in stopped(ImportJob.objects.filter(status__in=BEFORE_STEP), now=now)
    )


STOPPED = {
    ImportJob.Status.READING: gettext_lazy(
        "Reading the file stopped when its worker did. Upload the file again."
    ),
    ImportJob.Status.CHECKING: gettext_lazy(
        "The check stopped when its worker did. Start it again."
    ),
    ImportJob.Status.IMPORTING: gettext_lazy(
        "The import stopped when its worker did; nothing was written. Start it again."
    ),
    ImportJob.Status.UNDOING: gettext_lazy(
        "The undo stopped when its worker did; nothing was undone. Start it again."
    ),
}


def _recover(job: ImportJob) -> int:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in BEFORE_STEP:
            return 0
        if job.status == ImportJob.Status.IMPORTING:
            # a second writer's share is committed when the worker died between the commits
            model = Contact if job.kind == ImportJob.Kind.CONTACT else Company
            _undo_model(model, job)
        with translation.override(job.language or None):
            job.problem = str(STOPPED[job.status])
        job.status = BEFORE_STEP[job.status]
        job.running_since = None
        job.save(update_fields=["status", "problem", "running_since"])
    logger.warning("import %s: its worker stopped; back to %s", job.pk, job.status)
    _finished_push(job)
    return 1
