"""A commercial proposal from its draft to the customer: made only once the client's way to a
proposal is open (prefilled from the segment's offer matrix at the client's price list),
its lines edited with a discount each, a discount above the owner's role's limit sent to a
head of sales for approval, and nothing sent while that approval is missing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from crm_core.activities.services import interaction_log
from crm_core.commerce.models import Order, Price, Product
from crm_core.commerce.services import LineRequest, order_create, order_status_change
from crm_core.common.services import record_update, unknown_fields_refuse
from crm_core.common.system_text import SystemText
from crm_core.common.visibility import visible_to
from crm_core.deals.models import Deal, PipelineStage
from crm_core.deals.services import deal_move, deal_update
from crm_core.notifications.models import Notification
from crm_core.notifications.services import notify
from crm_core.parties.models import Company, Contact
from crm_core.proposals.models import (
    DiscountLimit,
    OfferItem,
    Proposal,
    ProposalLine,
)
from crm_core.proposals.selectors import Client, offer_for, price_list_of
from crm_core.proposals.services import proposal_allowed
from crm_core.workspace.models import WorkspaceSettings
from crm_core.workspace.services import own_requisites
from tenants.identity.models import User
from tenants.identity.roles import STAFF_ROLES, Role

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# who approves a discount above the limit: a head of sales of the proposal's team, else the
# company's owners and administrators
APPROVERS = frozenset({Role.SALES_HEAD, Role.OWNER, Role.ADMIN})
# a role with no limit set: the company's owner needs nobody's approval, everyone else does
DEFAULT_LIMITS: dict[str, Decimal] = {Role.OWNER.value: HUNDRED}
VALID_FOR_DAYS = 30
PREFIX = {"proposal": "P", "contract": "C", "invoice": "INV", "act": "A", "delivery_note": "DN"}


def document_number(kind: str, *, on: date | None = None) -> str:
    """The next number of a kind of document in the year (P-2026-0001): one statement, so two
    documents made at the same moment never share a number."""
    year = (on or timezone.localdate()).year
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crm_core_documentsequence (kind, year, last) "
            "VALUES (%s, %s, 1) ON CONFLICT (kind, year) "
            "DO UPDATE SET last = crm_core_documentsequence.last + 1 RETURNING last",
            [kind, year],
        )
        last = cursor.fetchone()[0]
    return f"{PREFIX.get(kind, kind.upper())}-{year}-{last:04d}"


def proposals_visible(*, user: User) -> QuerySet[Proposal]:
    return visible_to(Proposal.objects.all(), user).select_related(
        "contact", "company", "owner", "deal"
    )


def proposal_get_for_user(*, user: User, pk: int) -> Proposal:
    """The proposal, if the user may see it (else "not found", as for a proposal that is not)."""
    found = proposals_visible(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def discount_limit(role: str) -> Decimal:
    row = DiscountLimit.objects.filter(role=role).first()
    if row is not None:
        return row.max_percent
    return DEFAULT_LIMITS.get(role, Decimal(0))


def discount_limits() -> list[tuple[str, str, Decimal]]:
    """Each staff role with its label and its limit (set, or the default)."""
    rows = dict(DiscountLimit.objects.values_list("role", "max_percent"))
    return [
        (
            role.value,
            str(role.label),
            rows.get(role.value, DEFAULT_LIMITS.get(role.value, Decimal(0))),
        )
        for role in Role
        if role in STAFF_ROLES
    ]


@transaction.atomic
def discount_limits_save(*, actor: User, limits: dict[str, Any]) -> None:
    """The largest discount each role gives without approval (0 to 100 percent)."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner or an administrator sets the discount limits."))
    roles = {role.value for role in Role if role in STAFF_ROLES}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Decimal] = {}
    for role, raw in limits.items():
        if role not in roles:
            errors[role] = [_("Not a staff role.")]
            continue
        value = _percent(raw)
        if value is None:
            errors[role] = [_("Enter a percentage from 0 to 100.")]
        else:
            clean[role] = value
    if errors:
        raise ValidationError(errors)
    for role, value in clean.items():
        DiscountLimit.objects.update_or_create(role=role, defaults={"max_percent": value})


def _percent(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw)).quantize(CENT)
    except ArithmeticError:
        return None
    return value if 0 <= value <= 100 else None


@dataclass
class LineInput:
    product: Product
    quantity: Decimal
    discount: Decimal = Decimal(0)
    importance: str = ""


def _lines_check(lines: list[LineInput], prices: dict[int, Decimal], list_name: str) -> None:
    problems: list[str] = []
    seen: set[int] = set()
    for line in lines:
        name = line.product.name
        if line.product.pk in seen:
            problems.append(_("%(product)s is on two lines: keep one.") % {"product": name})
        seen.add(line.product.pk)
        if line.quantity <= 0:
            problems.append(_("%(product)s: the quantity must be above zero.") % {"product": name})
        if not 0 <= line.discount <= 100:
            problems.append(
                _("%(product)s: the discount must be from 0 to 100%%.") % {"product": name}
            )
        if not line.product.is_active:
            problems.append(_("%(product)s is not on sale.") % {"product": name})
        elif line.product.pk not in prices:
            problems.append(
                _("%(product)s has no price in “%(list)s”.") % {"product": name, "list": list_name}
            )
    if problems:
        raise ValidationError({"lines": problems})


def line_amounts(
    unit_price: Decimal, quantity: Decimal, discount: Decimal
) -> tuple[Decimal, Decimal]:
    """A line's amount before and after its discount, in cents."""
    gross = (unit_price * quantity).quantize(CENT)
    return gross, (gross * (HUNDRED - discount) / HUNDRED).quantize(CENT)


def _lines_write(proposal: Proposal, lines: list[LineInput], prices: dict[int, Decimal]) -> None:
    """Replace the proposal's lines and set its totals and largest discount."""
    ProposalLine.objects.filter(proposal=proposal).delete()
    subtotal = total = Decimal(0)
    rows = []
    for position, line in enumerate(lines):
        unit_price = prices[line.product.pk]
        gross, net = line_amounts(unit_price, line.quantity, line.discount)
        subtotal, total = subtotal + gross, total + net
        rows.append(
            ProposalLine(
                proposal=proposal,
                product=line.product,
                importance=line.importance,
                quantity=line.quantity,
                unit_price=unit_price,
                discount=line.discount,
                total=net,
                position=position,
            )
        )
    ProposalLine.objects.bulk_create(rows)
    proposal.subtotal, proposal.total = subtotal, total
    proposal.max_discount = max((line.discount for line in lines), default=Decimal(0))


def _prices(price_list_id: int | None, lines: list[LineInput]) -> dict[int, Decimal]:
    if price_list_id is None:
        return {}
    return dict(
        Price.objects.filter(
            price_list_id=price_list_id, product__in=[line.product for line in lines]
        ).values_list("product_id", "amount")
    )


def _recipient(client: Client, contact: Contact | None) -> Contact | None:
    if isinstance(client, Contact):
        return client
    if contact is not None:
        if contact.company_id != client.pk:
            raise ValidationError({"contact": [_("The person must work at the client company.")]})
        return contact
    return client.contacts.order_by("id").first()


def _log(
    proposal: Proposal,
    actor: User | None,
    message: str,
    notes: str | None = None,
    **params: Any,
) -> None:
    """The step on the timeline of the person the proposal goes to (the customer's own,
    with no actor, inbound); its notes: the total, unless the step has its own."""
    if proposal.contact is None:
        return
    interaction_log(
        actor=actor,
        contact=proposal.contact,
        data={
            "channel": "proposal",
            "direction": "outbound" if actor is not None else "inbound",
            "subject": SystemText(message, {"number": proposal.number, **params}),
            "notes": f"{proposal.total} {proposal.currency}" if notes is None else notes,
        },
    )


PROPOSAL_FIELDS = {"lines", "deal", "contact", "title", "language", "valid_until", "message"}


@transaction.atomic
def proposal_create(*, actor: User, client: Client, data: dict[str, Any]) -> Proposal:
    """A draft proposal for the client, refused until every step of the way is done. Without
    lines, the segment's offer matrix fills it (its required and recommended products at the
    client's price list); a product with no price there is named and nothing is made."""
    unknown_fields_refuse(data, PROPOSAL_FIELDS)
    found = proposal_allowed(client)
    price_list = price_list_of(client)
    if price_list is None:
        raise ValidationError({"lines": [_("There is no price list for this client.")]})
    lines: list[LineInput] | None = data.get("lines")
    if lines is None:
        offer = offer_for(client, found.card)
        lines = [
            LineInput(line.product, line.quantity, importance=line.importance)
            for line in offer.lines
            if line.importance != OfferItem.Importance.OPTIONAL
        ]
    deal: Deal | None = data.get("deal")
    if deal is not None and client.pk not in (
        (deal.company_id if isinstance(client, Company) else deal.contact_id),
    ):
        raise ValidationError({"deal": [_("The deal is not this client's.")]})
    prices = _prices(price_list.pk, lines)
    _lines_check(lines, prices, price_list.name)
    contact = _recipient(client, data.get("contact"))
    language = data.get("language") or (
        (contact.language if contact and contact.language else "")
        or actor.language
        or settings.LANGUAGE_CODE
    )
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the languages.")]})
    proposal = Proposal(
        number=document_number("proposal"),
        title=data.get("title") or _("Proposal for %(client)s") % {"client": client},
        contact=contact,
        company=client if isinstance(client, Company) else None,
        deal=deal,
        segment=found.segment,
        price_list=price_list,
        currency=price_list.currency,
        language=language,
        valid_until=data.get("valid_until")
        or timezone.localdate() + timedelta(days=VALID_FOR_DAYS),
        message=data.get("message", ""),
        owner=actor,
        team=actor.team,
        created_by=actor,
    )
    proposal.save()
    _lines_write(proposal, lines, prices)
    proposal.save(update_fields=["subtotal", "total", "max_discount"])
    _log(proposal, actor, gettext_noop("Proposal %(number)s drafted"))
    return proposal


def _editable(proposal: Proposal) -> None:
    if proposal.status != Proposal.Status.DRAFT:
        raise ValidationError(
            {
                "status": [
                    _("Only a draft is edited; this proposal is %(status)s.")
                    % {"status": proposal.get_status_display().lower()}
                ]
            }
        )


EDIT_FIELDS = {"lines", "title", "language", "valid_until", "message", "contact", "version"}


@transaction.atomic
def proposal_update(*, actor: User, proposal: Proposal, data: dict[str, Any]) -> Proposal:
    """Change a draft: its lines (replaced as given, at the price list it was made with),
    title, language, validity, message, the person it goes to. An approval given stays only
    while it still covers the largest discount."""
    unknown_fields_refuse(data, EDIT_FIELDS)
    _editable(proposal)
    changes: dict[str, Any] = {
        key: data[key] for key in ("title", "valid_until", "message") if key in data
    }
    if "title" in changes and not str(changes["title"]).strip():
        raise ValidationError({"title": [_("Give the proposal a title.")]})
    if "language" in data:
        if data["language"] not in dict(settings.LANGUAGES):
            raise ValidationError({"language": [_("Choose one of the languages.")]})
        changes["language"] = data["language"]
    if "contact" in data:
        changes["contact"] = _recipient(proposal.client, data["contact"])
    if "lines" in data:
        lines: list[LineInput] = data["lines"]
        if not lines:
            raise ValidationError({"lines": [_("Add at least one product.")]})
        prices = _prices(proposal.price_list_id, lines)
        name = proposal.price_list.name if proposal.price_list else "—"
        _lines_check(lines, prices, name)
        _lines_write(proposal, lines, prices)
        changes.update(
            subtotal=proposal.subtotal, total=proposal.total, max_discount=proposal.max_discount
        )
        if not _approval_covers(proposal):
            changes.update(approval=Proposal.Approval.NONE, approval_discount=None)
    return record_update(instance=proposal, changes=changes, expected_version=data.get("version"))


def limits_by_role() -> dict[str, Decimal]:
    """Every staff role's discount limit, read once (for a list of proposals)."""
    return {role: limit for role, _label, limit in discount_limits()}


def needs_approval(proposal: Proposal, limits: dict[str, Decimal] | None = None) -> bool:
    """Whether the largest discount is above what the owner's role gives alone."""
    role = proposal.owner.role
    limit = limits.get(role, Decimal(0)) if limits is not None else discount_limit(role)
    return proposal.max_discount > limit


def _approval_covers(proposal: Proposal) -> bool:
    """Whether an approval given covers the proposal's largest discount as it is now."""
    return (
        proposal.approval == Proposal.Approval.APPROVED
        and proposal.approval_discount is not None
        and proposal.max_discount <= proposal.approval_discount
    )


def approved(proposal: Proposal, limits: dict[str, Decimal] | None = None) -> bool:
    return not needs_approval(proposal, limits) or _approval_covers(proposal)


def approvers_of(proposal: Proposal) -> list[User]:
    """A head of sales of the proposal's team, else the owners and administrators: never the
    proposal's own owner."""
    people = User.objects.filter(is_active=True).exclude(pk=proposal.owner_id)
    heads = (
        list(people.filter(role=Role.SALES_HEAD, team_id=proposal.team_id))
        if proposal.team_id
        else []
    )
    return heads or list(people.filter(role__in=[Role.OWNER, Role.ADMIN]))


def may_approve(user: User, proposal: Proposal) -> bool:
    return (
        user.role in APPROVERS
        and user.pk != proposal.owner_id
        and visible_to(Proposal.objects.filter(pk=proposal.pk), user).exists()
    )


@transaction.atomic
def approval_request(*, actor: User, proposal: Proposal) -> Proposal:
    """Ask the heads of sales to approve the proposal's largest discount."""
    _editable(proposal)
    if not needs_approval(proposal):
        raise ValidationError(
            {"approval": [_("The discounts are within your limit: no approval is needed.")]}
        )
    if proposal.approval == Proposal.Approval.PENDING:
        raise ValidationError({"approval": [_("The approval is already asked for.")]})
    proposal = record_update(
        instance=proposal,
        changes={
            "approval": Proposal.Approval.PENDING,
            "approval_discount": proposal.max_discount,
            "approval_asked_at": timezone.now(),
            "approval_by": None,
            "approval_at": None,
            "approval_comment": "",
        },
        expected_version=None,
    )
    notify(
        recipients=approvers_of(proposal),
        kind=Notification.Kind.PROPOSAL_APPROVAL,
        params={
            "actor": str(actor),
            "number": proposal.number,
            "discount": f"{proposal.max_discount.normalize():f}",
        },
        url=reverse("proposal_detail", args=[proposal.pk]),
        actor=actor,
    )
    _log(
        proposal,
        actor,
        gettext_noop("Proposal %(number)s: a %(discount)s%% discount sent for approval"),
        discount=f"{proposal.max_discount.normalize():f}",
    )
    return proposal


@transaction.atomic
def approval_decide(
    *, actor: User, proposal: Proposal, approve: bool, comment: str = ""
) -> Proposal:
    """A head of sales approves or rejects the discount asked for (a rejection says why)."""
    if not may_approve(actor, proposal):
        raise PermissionDenied(_("Only a head of sales other than its owner decides on it."))
    if proposal.approval != Proposal.Approval.PENDING:
        raise ValidationError({"approval": [_("Nobody is waiting for a decision on it.")]})
    if not approve and not comment.strip():
        raise ValidationError({"comment": [_("Say why the discount is rejected.")]})
    proposal = record_update(
        instance=proposal,
        changes={
            "approval": Proposal.Approval.APPROVED if approve else Proposal.Approval.REJECTED,
            "approval_by": actor,
            "approval_at": timezone.now(),
            "approval_comment": comment.strip(),
        },
        expected_version=None,
    )
    notify(
        recipients=[proposal.owner],
        kind=(
            Notification.Kind.PROPOSAL_APPROVED if approve else Notification.Kind.PROPOSAL_REJECTED
        ),
        params={"actor": str(actor), "number": proposal.number},
        url=reverse("proposal_detail", args=[proposal.pk]),
        actor=actor,
    )
    _log(
        proposal,
        actor,
        gettext_noop("Proposal %(number)s: the discount is approved")
        if approve
        else gettext_noop("Proposal %(number)s: the discount is rejected"),
    )
    return proposal


def send_blockers(proposal: Proposal, limits: dict[str, Decimal] | None = None) -> list[str]:
    """Why the proposal cannot be sent yet (nothing: it can)."""
    reasons = []
    if proposal.status != Proposal.Status.DRAFT:
        reasons.append(
            _("It is already %(status)s.") % {"status": proposal.get_status_display().lower()}
        )
    if not approved(proposal, limits):
        reasons.append(
            _("Awaiting the head of sales' approval of the discount.")
            if proposal.approval == Proposal.Approval.PENDING
            else _("The %(discount)s%% discount needs the head of sales' approval.")
            % {"discount": f"{proposal.max_discount.normalize():f}"}
        )
    if proposal.contact is None:
        reasons.append(_("Choose the person it goes to."))
    elif not proposal.contact.emails:
        reasons.append(_("The person it goes to has no email."))
    if not proposal.lines.all()[:1]:  # the prefetched lines when a list read them
        reasons.append(_("Add at least one product."))
    return reasons


def expired(proposal: Proposal) -> bool:
    return proposal.valid_until is not None and proposal.valid_until < timezone.localdate()


@transaction.atomic
def proposal_mark_sent(*, actor: User, proposal: Proposal) -> Proposal:
    """The proposal goes out: refused while anything stops it (a discount not approved,
    nobody to send it to); a new link key, so the links of an earlier sending die."""
    reasons = send_blockers(proposal)
    if reasons:
        raise ValidationError({"status": reasons})
    proposal = record_update(
        instance=proposal,
        changes={
            "status": Proposal.Status.SENT,
            "sent_at": timezone.now(),
            "link_key": secrets.token_urlsafe(32),
        },
        expected_version=None,
    )
    _log(proposal, actor, gettext_noop("Proposal %(number)s sent"))
    return proposal


def _tell_owner(proposal: Proposal, kind: str, **params: Any) -> None:
    notify(
        recipients=[proposal.owner],
        kind=kind,
        params={"client": str(proposal.client), "number": proposal.number, **params},
        url=reverse("proposal_detail", args=[proposal.pk]),
    )


@transaction.atomic
def proposal_viewed(*, proposal: Proposal) -> Proposal:
    """The customer opened it: counted; the first time on the timeline and told to the
    owner."""
    now = timezone.now()
    first = proposal.first_viewed_at is None
    proposal = record_update(
        instance=proposal,
        changes={
            "view_count": F("view_count") + 1,
            "first_viewed_at": proposal.first_viewed_at or now,
            "last_viewed_at": now,
        },
        expected_version=None,
    )
    if first:
        _log(proposal, None, gettext_noop("Proposal %(number)s opened by the client"))
        _tell_owner(proposal, Notification.Kind.PROPOSAL_VIEWED)
    return proposal


def _open_to_customer(proposal: Proposal) -> None:
    if proposal.status != Proposal.Status.SENT:
        raise ValidationError(
            _("This proposal is %(status)s: nothing more can be done with it.")
            % {"status": proposal.get_status_display().lower()}
        )
    if proposal.valid_until is not None and expired(proposal):
        raise ValidationError(
            _("This proposal expired on %(day)s: ask for a new one.")
            % {"day": formats.date_format(proposal.valid_until, "DATE_FORMAT")}
        )


@transaction.atomic
def proposal_question(*, proposal: Proposal, text: str) -> None:
    """The customer asks about it: on the timeline, and the owner is told."""
    _open_to_customer(proposal)
    if not text.strip():
        raise ValidationError({"question": [_("Write your question.")]})
    _log(proposal, None, gettext_noop("Question on proposal %(number)s"), text.strip())
    _tell_owner(proposal, Notification.Kind.PROPOSAL_QUESTION, question=text.strip()[:200])


@transaction.atomic
def proposal_decline(*, proposal: Proposal, reason: str) -> Proposal:
    _open_to_customer(proposal)
    if not reason.strip():
        raise ValidationError({"reason": [_("Tell us why, so that we can do better.")]})
    proposal = record_update(
        instance=proposal,
        changes={"status": Proposal.Status.DECLINED, "decline_reason": reason.strip()},
        expected_version=None,
    )
    _log(proposal, None, gettext_noop("Proposal %(number)s declined"), reason.strip())
    _tell_owner(proposal, Notification.Kind.PROPOSAL_DECLINED, reason=reason.strip()[:200])
    return proposal


@dataclass(frozen=True)
class Acceptance:
    name: str
    consent: bool
    address: str | None
    agent: str
    document: bytes  # the exact document the customer saw and accepts (its PDF)


@transaction.atomic
def proposal_accept(*, proposal: Proposal, acceptance: Acceptance) -> Proposal:
    """The customer accepts: their typed name, consent, the time, their address and the
    SHA-256 of the exact document are recorded and the document kept; then, per the company's
    setting, an order is placed at the agreed prices and/or the deal is moved to won."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _open_to_customer(proposal)
    errors: dict[str, list[str]] = {}
    if not acceptance.name.strip():
        errors["name"] = [_("Type your full name to sign.")]
    if not acceptance.consent:
        errors["consent"] = [_("Confirm that you accept the proposal and its terms.")]
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256(acceptance.document).hexdigest()
    proposal.accepted_document.save(
        f"{proposal.number}-accepted.pdf", ContentFile(acceptance.document), save=False
    )
    proposal = record_update(
        instance=proposal,
        changes={
            "status": Proposal.Status.ACCEPTED,
            "accepted_name": acceptance.name.strip()[:200],
            "accepted_at": timezone.now(),
            "accepted_ip": acceptance.address,
            "accepted_agent": acceptance.agent[:300],
            "document_hash": digest,
            "accepted_document": proposal.accepted_document.name,
        },
        expected_version=None,
    )
    _log(
        proposal,
        None,
        gettext_noop("Proposal %(number)s accepted"),
        f"{proposal.accepted_name} · SHA-256 {digest}",
    )
    makes = own_requisites().proposal_acceptance
    if proposal.deal is not None and makes in ("deal", "both"):
        _deal_won(proposal, proposal.deal)
    if proposal.contact is not None and (makes != "deal" or not proposal.deal_id):
        order = _order_from(proposal, proposal.contact)
        proposal = record_update(instance=proposal, changes={"order": order}, expected_version=None)
    _tell_owner(proposal, Notification.Kind.PROPOSAL_ACCEPTED)
    return proposal


def _order_from(proposal: Proposal, contact: Contact) -> Order:
    lines = list(proposal.lines.select_related("product"))
    agreed = {
        line.product_id: (line.total / line.quantity).quantize(CENT) if line.quantity else CENT
        for line in lines
    }
    order = order_create(
        actor=None,
        contact=contact,
        lines=[LineRequest(product=line.product, quantity=line.quantity) for line in lines],
        notes=_("From proposal %(number)s") % {"number": proposal.number},
        agreed_prices=agreed,
    )
    return order_status_change(actor=None, order=order, status=Order.Status.PLACED)


def _deal_won(proposal: Proposal, deal: Deal) -> None:
    """The deal moves to the won stage of its pipeline, on its owner's behalf; a gate that
    keeps it out is said on the timeline instead of failing the customer's acceptance."""
    won = PipelineStage.objects.filter(
        pipeline_id=deal.pipeline_id, is_won=True, archived_at=None
    ).first()
    if won is None or deal.stage_id == won.pk:
        return
    # the accepted proposal is what the deal is worth, and its person the deal's contact
    terms: dict[str, Any] = {"amount": proposal.total, "currency": proposal.currency}
    if deal.contact_id is None and proposal.contact is not None:
        terms["contact"] = proposal.contact
    try:
        with transaction.atomic():
            deal = deal_update(actor=deal.owner, deal=deal, data=terms, expected_version=None)
            deal_move(actor=deal.owner, deal=deal, stage=won)
    except ValidationError as error:
        _log(
            proposal,
            None,
            gettext_noop("Proposal %(number)s: the deal could not be moved to won"),
            " ".join(error.messages),
        )


ACCEPTANCE_CHOICES = WorkspaceSettings._meta.get_field("proposal_acceptance").choices or []


def proposal_acceptance_set(*, actor: User, value: str) -> None:
    """What a customer's acceptance makes: an order, the deal won, or both."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner or an administrator sets the discount limits."))
    if value not in dict(ACCEPTANCE_CHOICES):
        raise ValidationError({"acceptance": [_("Choose one of the options.")]})
    WorkspaceSettings.objects.update_or_create(pk=1, defaults={"proposal_acceptance": value})
