"""Web forms: built in the CRM, embedded on the company's own website, and each submission filed
under the client it is from.

A submission finds the client by email, then phone (normalised), or makes one; lands on their
timeline with every answer; credits the campaign its UTM parameters name (else the form's);
goes to an owner by the form's rules, else in turn among its colleagues; and tells the owner.
Spam is kept out without asking anyone else: a field only robots fill (the honeypot), a signed
time the form was shown (a person takes a few seconds; a replay of an old page is refused),
and a limit of submissions per address and company."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from crm_core.activities.models import Channel, Direction
from crm_core.activities.services import interaction_log
from crm_core.channels.models import FormSubmission, WebForm
from crm_core.common.services import phone_normalise
from crm_core.common.system_text import SystemText
from crm_core.marketing.models import Campaign
from crm_core.marketing.services import utm_credit
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Company, Contact
from crm_core.parties.services import company_create, contact_create, contact_update
from crm_core.segments.models import Segment
from crm_core.segments.services import parameter_value_clean
from tenants.identity.models import User
from tenants.identity.roles import Role
from tenants.identity.selectors.users import company_owner

# what a form's field can fill: the contact's fields, their company's name, a message
TARGETS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "position": gettext_lazy("Position"),
    "company": gettext_lazy("Company"),
    "message": gettext_lazy("Message"),
}
SEGMENT_PREFIX = "segment:"
UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
HONEYPOT = "website_url"  # hidden from people; a robot fills it
SHOWN = "shown"
SIGNING_SALT = "tenantly.webform.shown"
MAX_ANSWER = 2000


class SubmissionRefused(Exception):
    """Not a person's submission (too fast, replayed, flooding): said to the visitor."""


class Flooding(SubmissionRefused):
    """Too many submissions from one address."""


@dataclass(frozen=True)
class Field:
    target: str
    label: str
    required: bool


def form_fields(form: WebForm) -> list[Field]:
    return [Field(item["target"], item["label"], item["required"]) for item in form.fields]


def targets_for(segment: Segment | None) -> dict[str, str]:
    """Every target a form with this segment may map a field to, with its default label."""
    found = {name: str(label) for name, label in TARGETS.items()}
    for parameter in segment.parameters if segment else []:
        found[SEGMENT_PREFIX + parameter["key"]] = parameter["label"]
    return found


# --- building a form ---------------------------------------------------------------------------
FORM_FIELDS = (
    "name",
    "title",
    "segment",
    "consent_text",
    "ask_email_consent",
    "ask_sms_consent",
    "button",
    "thank_you",
    "redirect_url",
    "campaign",
    "assign",
    "is_active",
)


def _may_build(actor: User) -> None:
    if not (actor.can_manage_team or actor.role == Role.MARKETER):
        raise PermissionDenied(_("Marketers, the owner and administrators build web forms."))


@transaction.atomic
def webform_save(
    *,
    actor: User,
    form: WebForm | None,
    data: dict[str, Any],
    fields: list[dict[str, Any]],
    owners: list[User],
    rules: list[dict[str, Any]],
) -> WebForm:
    """Create or change a form. `fields`: [{"target", "label", "required"}] in their order;
    `rules`: [{"field", "value", "owner"}]. Refused with a message per field, nothing saved."""
    _may_build(actor)
    errors: dict[str, list[str]] = {}
    if not (data.get("name") or "").strip():
        errors["name"] = [_("Name the form.")]
    allowed = targets_for(data.get("segment"))
    seen: set[str] = set()
    cleaned_fields = []
    for item in fields:
        target = item.get("target", "")
        if target not in allowed or target in seen:
            errors.setdefault("fields", []).append(
                _("“%(target)s” is not a field this form can fill.") % {"target": target}
            )
            continue
        seen.add(target)
        label = (item.get("label") or "").strip() or allowed[target]
        cleaned_fields.append(
            {"target": target, "label": label[:120], "required": bool(item.get("required"))}
        )
    if not {"email", "phone"} & seen:
        errors.setdefault("fields", []).append(
            _("A form asks for an email or a phone: that is how its clients are found again.")
        )
    for owner in owners:
        if not owner.is_active or not owner.is_staff_member:
            errors["owners"] = [_("Choose active colleagues.")]
    if not owners:
        errors["owners"] = [_("Choose who gets the clients this form brings.")]
    cleaned_rules = []
    for rule in rules:
        if rule.get("field") not in seen or not (rule.get("value") or "").strip():
            errors.setdefault("rules", []).append(
                _("A rule names one of the form's fields and a value.")
            )
            continue
        given: User | None = rule.get("owner")
        if given is None or not given.is_active or not given.is_staff_member:
            errors.setdefault("rules", []).append(
                _("A rule gives the client to an active colleague.")
            )
            continue
        cleaned_rules.append(
            {"field": rule["field"], "value": rule["value"].strip(), "owner": given.pk}
        )
    if errors:
        raise ValidationError(errors)
    if form is None:
        form = WebForm(key=secrets.token_urlsafe(16), created_by=actor)
    for name in FORM_FIELDS:
        if name in data:
            setattr(form, name, data[name])
    form.name = form.name.strip()
    form.fields = cleaned_fields
    form.rules = cleaned_rules
    form.save()
    form.owners.set(owners)
    return form


def webform_delete(*, actor: User, form: WebForm) -> None:
    _may_build(actor)
    form.delete()


# --- showing and receiving a form --------------------------------------------------------------
def shown_stamp(form: WebForm) -> str:
    """The signed time the form was shown, carried by the form back to us."""
    return signing.TimestampSigner(salt=SIGNING_SALT).sign(form.key)


def _stamp_check(form: WebForm, stamp: str) -> None:
    signer = signing.TimestampSigner(salt=SIGNING_SALT)
    try:
        signer.unsign(stamp, max_age=settings.WEBFORM_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise SubmissionRefused(_("The form was open too long; please send it again.")) from None
    except signing.BadSignature:
        raise SubmissionRefused(_("Please send the form from its page.")) from None
    try:
        signer.unsign(stamp, max_age=settings.WEBFORM_MIN_SECONDS)
    except signing.SignatureExpired:
        return  # shown long enough ago: a person
    raise SubmissionRefused(_("That was quick: please check your answers and send them again."))


def _flood_check(form: WebForm, address: str) -> None:
    """At most WEBFORM_SUBMISSIONS_PER_HOUR from one address to one company's forms (the
    cache key is the company's own: one company's flood never counts against another)."""
    key = f"webform-flood:{address}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > settings.WEBFORM_SUBMISSIONS_PER_HOUR:
        raise Flooding(_("Too many forms sent from your address; please try later."))


def _answers_clean(form: WebForm, raw: dict[str, str]) -> dict[str, Any]:
    """Each field's answer in its stored form; a message per field for what is wrong."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    parameters = {item["key"]: item for item in (form.segment.parameters if form.segment else [])}
    for field in form_fields(form):
        value = (raw.get(field.target) or "").strip()[:MAX_ANSWER]
        if not value:
            if field.required:
                errors[field.target] = [_("Please fill this in.")]
            continue
        if field.target == "email":
            try:
                validate_email(value)
            except ValidationError:
                errors[field.target] = [_("Please enter an email address.")]
                continue
            value = value.lower()
        elif field.target == "phone":
            normalised = phone_normalise(value)
            if normalised is None:
                errors[field.target] = [_("Please enter a phone number.")]
                continue
            value = normalised
        elif field.target.startswith(SEGMENT_PREFIX):
            parameter = parameters.get(field.target.removeprefix(SEGMENT_PREFIX))
            if parameter is None:
                continue  # the segment lost the parameter since the form was built
            try:
                value = parameter_value_clean(parameter, value)
            except (ValueError, ValidationError):
                errors[field.target] = [_("Please check this answer.")]
                continue
        elif field.target not in ("message",):
            value = value[:150]
        cleaned[field.target] = value
    if form.consent_text and not raw.get("consent"):
        errors["consent"] = [_("Please agree to the processing of your data to send the form.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _owner_for(form: WebForm, answers: dict[str, Any]) -> User:
    """The first rule whose field's answer contains its value, else the next colleague in
    turn (or always the first), else whoever built the form, else the company's owner."""
    for rule in form.rules:
        answer = str(answers.get(rule["field"], ""))
        if rule["value"].casefold() in answer.casefold():
            owner = User.objects.filter(pk=rule["owner"], is_active=True).first()
            if owner is not None:
                return owner
    owners = list(form.owners.filter(is_active=True).order_by("id"))
    if owners:
        if form.assign == WebForm.Assign.OWNER:
            return owners[0]
        WebForm.objects.filter(pk=form.pk).update(turn=F("turn") + 1)
        turn = WebForm.objects.values_list("turn", flat=True).get(pk=form.pk)
        return owners[(turn - 1) % len(owners)]
    fallback = form.created_by
    if fallback is not None and fallback.is_active and fallback.is_staff_member:
        return fallback
    owner = company_owner()
    if owner is None:
        raise ValidationError(_("This company has no one to look after new clients."))
    return owner


def _client_for(answers: dict[str, Any]) -> Contact | None:
    """The client already known by this email, else by this phone (never a twin)."""
    for name, lookup in (("email", "emails__contains"), ("phone", "phones__contains")):
        if answers.get(name):
            found = (
                Contact.objects.select_related("owner")
                .filter(**{lookup: [answers[name]]}, archived_at=None)
                .order_by("id")
                .first()
            )
            if found is not None:
                return found
    return None


def _company_named(name: str, owner: User) -> Company:
    found = Company.objects.filter(name__iexact=name, archived_at=None).order_by("id").first()
    return found or company_create(actor=owner, data={"name": name})


def _contact_fields(form: WebForm, answers: dict[str, Any], consents: dict[str, bool]) -> dict:
    fields: dict[str, Any] = {
        name: answers[name] for name in ("first_name", "last_name", "position") if name in answers
    }
    if form.ask_email_consent and consents.get("email"):
        fields["consent_email"] = True
    if form.ask_sms_consent and consents.get("sms"):
        fields["consent_sms"] = True
    return fields


@transaction.atomic
def form_submit(
    *,
    form: WebForm,
    raw: dict[str, str],
    consents: dict[str, bool],
    utm: dict[str, str],
    page: str,
    stamp: str,
    address: str,
) -> FormSubmission | None:
    """File a visitor's submission. None for a robot's (the honeypot filled: it is thanked and
    nothing is kept); SubmissionRefused for one that is too quick, replayed or flooding;
    ValidationError with a message per field for answers we cannot take."""
    if not form.is_active:
        raise SubmissionRefused(_("This form no longer takes submissions."))
    if raw.get(HONEYPOT):
        return None
    _flood_check(form, address)
    _stamp_check(form, stamp)
    answers = _answers_clean(form, raw)
    contact = _client_for(answers)
    new = contact is None
    fields = _contact_fields(form, answers, consents)
    if contact is None:
        owner = _owner_for(form, answers)
        data = {
            **fields,
            "first_name": fields.get("first_name") or answers.get("email") or answers.get("phone"),
            "emails": [answers["email"]] if answers.get("email") else [],
            "phones": [answers["phone"]] if answers.get("phone") else [],
        }
        if answers.get("company"):
            data["company"] = _company_named(answers["company"], owner)
        contact = contact_create(actor=owner, data=data, allow_duplicate=True)
    else:
        owner = contact.owner
        # what the client told us that we did not have: another address or phone, a consent
        changes: dict[str, Any] = {
            name: value
            for name, value in fields.items()
            if name.startswith("consent_") or not getattr(contact, name)
        }
        if answers.get("email") and answers["email"] not in contact.emails:
            changes["emails"] = [*contact.emails, answers["email"]]
        if answers.get("phone") and answers["phone"] not in contact.phones:
            changes["phones"] = [*contact.phones, answers["phone"]]
        if changes:
            contact = contact_update(
                actor=owner, contact=contact, data=changes, expected_version=None
            )
    values = {
        name.removeprefix(SEGMENT_PREFIX): value
        for name, value in answers.items()
        if name.startswith(SEGMENT_PREFIX)
    }
    if form.segment_id and values and contact.segment_id in (None, form.segment_id):
        # the form's segment and its answers, kept beside any values the client already has
        Contact.objects.filter(pk=contact.pk).update(
            segment_id=form.segment_id, segment_values={**contact.segment_values, **values}
        )
    labels = {field.target: field.label for field in form_fields(form)}
    shown = {labels[name]: str(value) for name, value in answers.items() if name in labels}
    logged = interaction_log(
        actor=None,
        contact=contact,
        data={
            "channel": Channel.FORM,
            "direction": Direction.INBOUND,
            "subject": SystemText(
                gettext_noop("Filled in the form “%(form)s”"), {"form": form.name}
            ),
            "notes": "\n".join(f"{label}: {value}" for label, value in shown.items()),
        },
    )
    # the campaign the visitor's link names (utm_campaign), else the form's own
    member = None
    for name in (utm.get("utm_campaign"), form.campaign.utm_campaign if form.campaign else ""):
        if name and member is None:
            member = utm_credit(contact=contact, utm_campaign=name)
    campaign: Campaign | None = member.campaign if member else None
    submission = FormSubmission.objects.create(
        form=form,
        contact=contact,
        answers=shown,
        utm={name: utm[name][:200] for name in UTM_NAMES if utm.get(name)},
        page=page[:1000],
        new_contact=new,
        campaign=campaign,
        interaction=logged.interaction,
    )
    notify(
        recipients=[owner],
        kind=Notification.Kind.FORM_LEAD,
        params={"contact": contact.full_name, "form": form.name},
        url=reverse("contact_detail", args=[contact.pk]),
    )
    return submission
