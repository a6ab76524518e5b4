"""The notes block of a record's page (a contact's, a company's, a deal's): its notes, and the
text of a note the CRM refused, to type on."""

from __future__ import annotations

from collections.abc import Callable

from crm_core.activities.forms import NoteForm
from crm_core.activities.selectors import notes_of
from crm_core.deals.models import Deal
from crm_core.deals.selectors import deal_get_for_user
from crm_core.parties.models import Company, Contact
from crm_core.parties.selectors import company_get_for_user, contact_get_for_user
from tenants.typing import StaffRequest

# what a note is put on: each kind's record, if the user sees it (else a 404)
NOTE_RECORDS: dict[str, Callable[..., Contact | Company | Deal]] = {
    "contact": contact_get_for_user,
    "company": company_get_for_user,
    "deal": deal_get_for_user,
}

NOTE_DRAFT = "note_draft"
NOTES_SHOWN = 50


def _key(record: Contact | Company | Deal) -> str:
    return f"{type(record).__name__.lower()}-{record.pk}"


def note_draft_keep(request: StaffRequest, record: Contact | Company | Deal, body: str) -> None:
    request.session[NOTE_DRAFT] = {"record": _key(record), "body": body[:20_000]}


def notes_context(request: StaffRequest, record: Contact | Company | Deal) -> dict:
    draft = request.session.get(NOTE_DRAFT)
    body = ""
    if draft and draft.get("record") == _key(record):
        del request.session[NOTE_DRAFT]
        body = draft.get("body", "")
    return {
        "notes": list(notes_of(record)[:NOTES_SHOWN]),
        "note_form": NoteForm(initial={"body": body}),
        "note_url": f"{type(record).__name__.lower()}_note_add",
        "note_record": record,
    }
