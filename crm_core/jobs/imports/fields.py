"""What an import can fill: the fields of contacts and companies (and a segment's
parameters), the words their columns go by in English and Russian, and the mapping guessed
from a file's headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from crm_core.jobs.models import ImportJob
from crm_core.parties.models import Contact

SEVERAL_COLUMNS = ("emails", "phones")  # the fields more than one column may fill


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


def fields_for(kind: str, segment=None) -> list[ImportField]:
    base = CONTACT_FIELDS if kind == ImportJob.Kind.CONTACT else COMPANY_FIELDS
    extra = [
        ImportField(f"p.{item['key']}", item["label"], "parameter", required=item["required"])
        for item in (segment.parameters if segment else [])
    ]
    return base + extra


def _header_key(text: str) -> str:
    return re.sub(r"[\s_*:]+", " ", text.strip().lower()).strip()


def in_every_language(label) -> list[str]:
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
        for word in (item.key, *in_every_language(item.label), *item.synonyms):
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
