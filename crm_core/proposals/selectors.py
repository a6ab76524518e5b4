"""The way to a proposal, step by step: the client's segment, a complete card (the segment's
card rule), the needs card answered (the segment's current questionnaire), then the proposal.
Each step says why it is locked; the services refuse what a locked step would allow."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from crm_core.analytics.display import Figures
from crm_core.commerce.models import Price, PriceList, Product
from crm_core.commerce.services import price_list_for
from crm_core.parties.models import Company, Contact
from crm_core.proposals.models import (
    CardRule,
    GateOverride,
    NeedsCard,
    OfferItem,
    PlacementRule,
    PotentialRule,
    Questionnaire,
)
from crm_core.segments.models import ParameterType, Segment

Client = Contact | Company

# the card fields a rule may ask for, per kind of client (labels: the models' own)
CARD_FIELDS: dict[str, tuple[str, ...]] = {
    "contact": ("last_name", "company", "position", "emails", "phones", "language", "birthday"),
    "company": (
        "legal_name",
        "tax_id",
        "industry",
        "website",
        "emails",
        "phones",
        "legal_address",
        "postal_address",
    ),
}


def kind_of(client: Client) -> str:
    return "company" if isinstance(client, Company) else "contact"


def field_label(kind: str, name: str) -> str:
    model: type[models.Model] = Company if kind == "company" else Contact
    return str(getattr(model._meta.get_field(name), "verbose_name", name)).capitalize()


def card_field_choices(segment: Segment) -> list[tuple[str, str]]:
    """The card fields a rule of this segment may ask for: the kinds the segment holds."""
    kinds = ["contact", "company"] if segment.applies_to == Segment.AppliesTo.BOTH else []
    kinds = kinds or [segment.applies_to]
    names = dict.fromkeys(name for kind in kinds for name in CARD_FIELDS[kind])
    return [(name, _label_any(kinds, name)) for name in names]


def _label_any(kinds: list[str], name: str) -> str:
    kind = next(kind for kind in kinds if name in CARD_FIELDS[kind])
    return field_label(kind, name)


def questionnaire_current(segment: Segment | None) -> Questionnaire | None:
    if segment is None:
        return None
    return segment.questionnaires.order_by("-version").first()


def needs_card_of(client: Client) -> NeedsCard | None:
    return NeedsCard.objects.filter(**{kind_of(client): client}).first()


def card_missing(client: Client, rule: CardRule | None) -> list[str]:
    """What the segment's card rule asks for that the card does not hold, by label."""
    if rule is None:
        return []
    kind = kind_of(client)
    missing = [
        field_label(kind, name)
        for name in rule.fields
        if name in CARD_FIELDS[kind] and _empty(getattr(client, name))
    ]
    values = client.segment_values or {}
    for key in rule.parameters:
        parameter = rule.segment.parameter(key)
        if parameter is not None and _empty(values.get(key)):
            missing.append(parameter["label"])
    return missing


PLACEMENT_OPS = ("equals", "contains", "filled")


def _matches(client: Client, condition: dict[str, Any]) -> bool:
    value: Any = getattr(client, condition["field"], None)
    if isinstance(value, Company):
        value = value.name  # a contact's company, by its name
    if condition["op"] == "filled":
        return not _empty(value)
    wanted = str(condition.get("value", "")).strip().casefold()
    texts = [str(item).casefold() for item in (value if isinstance(value, list) else [value])]
    if condition["op"] == "equals":
        return any(text.strip() == wanted for text in texts if text is not None)
    return any(wanted in text for text in texts if value is not None)


def placement(client: Client) -> Segment | None:
    """The segment the placement rules put the client in: the first (in the segments'
    order) whose every condition holds for the client's card."""
    kind = kind_of(client)
    rules = PlacementRule.objects.select_related("segment").filter(
        segment__applies_to__in=[kind, Segment.AppliesTo.BOTH]
    )
    for rule in sorted(rules, key=lambda rule: (rule.segment.position, rule.segment.name)):
        if rule.conditions and all(_matches(client, item) for item in rule.conditions):
            return rule.segment
    return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@dataclass
class Step:
    key: str
    title: str
    done: bool = False
    locked: bool = False
    why: str = ""  # what is missing, or why it is locked
    missing: list[str] = field(default_factory=list)
    override: GateOverride | None = None


@dataclass
class Gates:
    client: Client
    segment: Segment | None
    questionnaire: Questionnaire | None
    card: NeedsCard | None
    steps: list[Step]
    potential: Potential | None = None
    placed: Segment | None = None  # where the placement rules put the client

    @property
    def open(self) -> bool:
        """Whether a proposal may be made for the client."""
        return all(step.done for step in self.steps if step.key != "proposal")

    def first_to_do(self) -> Step:
        """The first step not done (the proposal's own, when all before it are)."""
        return next(step for step in self.steps if not step.done)


def gates(client: Client) -> Gates:
    """The client's steps towards a proposal, each done, waiting or locked (and why)."""
    kind = kind_of(client)
    segment = client.segment if client.segment_id else None
    overrides = {
        row.step: row
        for row in GateOverride.objects.filter(**{kind: client}).select_related("created_by")
    }
    # a client with no segment has no rule, questions or needs card to read
    rule = (
        CardRule.objects.filter(segment=segment).select_related("segment").first()
        if segment
        else None
    )
    questionnaire = questionnaire_current(segment)
    card = needs_card_of(client) if segment else None

    placed = placement(client)
    chosen = Step("segment", _("Segment chosen"), done=segment is not None)
    if not chosen.done:
        chosen.why = (
            _("The placement rules put the client in “%(name)s”: place it there.")
            % {"name": placed.name}
            if placed is not None
            else _(
                "Choose the client's segment: the card rule and the needs card are the segment's."
            )
        )
    elif placed is not None and placed != segment:
        chosen.why = _("The placement rules would put the client in “%(name)s”.") % {
            "name": placed.name
        }
    elif placed is not None:
        chosen.why = _("Confirmed by the placement rules.")
    complete = Step("card", _("Card complete"))
    complete.missing = card_missing(client, rule) if segment else []
    complete.done = segment is not None and not complete.missing
    if segment is None:
        complete.locked = True
        complete.why = _("Locked until the segment is chosen.")
    elif complete.missing:
        complete.why = _("Fill in: %(fields)s.") % {"fields": ", ".join(complete.missing)}
    needs = Step("needs", _("Needs recorded"))
    if questionnaire is None:
        needs.done = segment is not None
        if segment is not None:
            needs.why = _("The segment asks no questions.")
    else:
        needs.done = card is not None and card.questionnaire_id == questionnaire.pk
        if card is not None and not needs.done:
            needs.why = _(
                "The needs card was answered for version %(old)s; review it for version %(new)s."
            ) % {
                "old": card.questionnaire.version,
                "new": questionnaire.version,
            }
    steps = [chosen, complete, needs]
    for step in steps:
        if not step.done and step.key in overrides:
            step.done, step.locked, step.override = True, False, overrides[step.key]
    previous_done = True
    for step in steps:
        if not previous_done and not step.done:
            step.locked = True
            step.why = step.why or _("Locked until the steps above are done.")
        previous_done = previous_done and step.done
    if not needs.done and not needs.locked and not needs.why:
        needs.why = _("Answer the needs and expectations card.")
    proposal = Step("proposal", _("Proposal"), done=False, locked=not previous_done)
    proposal.why = (
        _("Locked until the steps above are done.")
        if proposal.locked
        else _("Open: the segment's proposal template and offer matrix apply.")
    )
    return Gates(
        client, segment, questionnaire, card, [*steps, proposal], potential(client), placed
    )


# the parameter types a potential term counts: points per unit, or for a "yes"
SCORED_TYPES = (ParameterType.NUMBER, ParameterType.MONEY, ParameterType.BOOLEAN)


@dataclass
class PotentialLine:
    label: str
    value: Any  # the parameter's value on the card (None: not filled in)
    weight: Decimal
    points: Decimal
    capped: bool  # the term's cap cut its points
    shown: str = ""  # the value in the reader's format


@dataclass
class Potential:
    score: Decimal
    name: str  # the class reached ("" below the lowest)
    lines: list[PotentialLine]
    classes: list[dict]


def potential(client: Client) -> Potential | None:
    """The client's potential by their segment's rule, each term's points shown (value ×
    weight, up to the cap); None when the segment scores none."""
    if not client.segment_id:
        return None
    rule = (
        PotentialRule.objects.filter(segment_id=client.segment_id).select_related("segment").first()
    )
    if rule is None or not rule.terms:
        return None
    return potential_score(rule, rule.segment, client.segment_values or {})


def potential_score(rule: PotentialRule, segment: Segment, values: dict) -> Potential:
    lines = []
    for term in rule.terms:
        parameter = segment.parameter(term["parameter"])
        if parameter is None:  # a parameter removed from the segment since: counts nothing
            continue
        weight = Decimal(term["weight"])
        value = values.get(term["parameter"])
        units = _units(parameter, value)
        points = units * weight
        cap = Decimal(term["cap"]) if term.get("cap") not in (None, "") else None
        capped = cap is not None and points > cap
        if cap is not None:
            points = min(points, cap)
        lines.append(
            PotentialLine(
                parameter["label"], value, weight, points.quantize(Decimal("0.1")), capped
            )
        )
    score = sum((line.points for line in lines), Decimal(0))
    name = next((item["name"] for item in rule.classes if score >= Decimal(str(item["from"]))), "")
    return Potential(score, name, lines, rule.classes)


def _shown(parameter: dict, value: Any, units: Decimal) -> str:
    if value in (None, ""):
        return "—"
    if parameter["type"] == ParameterType.BOOLEAN:
        return _("yes") if value else _("no")
    return Figures().digits(units, 2 if units % 1 else 0, grouped=True)


def _units(parameter: dict, value: Any) -> Decimal:
    if value in (None, ""):
        return Decimal(0)
    if parameter["type"] == ParameterType.BOOLEAN:
        return Decimal(1 if value else 0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


IMPORTANCE_ORDER: dict[str, int] = {
    OfferItem.Importance.REQUIRED: 0,
    OfferItem.Importance.RECOMMENDED: 1,
    OfferItem.Importance.OPTIONAL: 2,
}


@dataclass
class OfferLine:
    product: Product
    importance: str
    quantity: Decimal
    price: Decimal | None  # in the client's price list (None: it has no price there)
    because: list[str]  # the needs answers (or "every client") that put it in the offer


@dataclass
class Offer:
    price_list: PriceList | None
    lines: list[OfferLine]

    @property
    def unpriced(self) -> list[str]:
        return [line.product.name for line in self.lines if line.price is None]


def price_list_of(client: Client) -> PriceList | None:
    """The client's price list: a contact's as orders take it; a company's segment's, else
    the default."""
    if isinstance(client, Contact):
        return price_list_for(client)
    if client.segment_id:
        found = PriceList.objects.filter(segment_id=client.segment_id).first()
        if found:
            return found
    return PriceList.objects.filter(is_default=True).first()


def answer_matches(answers: dict, question: str, answer: str) -> bool:
    if not question:
        return True
    given = answers.get(question)
    if isinstance(given, list):
        return answer in given
    if isinstance(given, bool):
        return answer == ("yes" if given else "no")
    return given is not None and str(given) == answer


def offer_for(client: Client, card: NeedsCard | None = None) -> Offer:
    """What the segment's offer matrix puts in the client's proposal from their needs card:
    each product once (the strongest mark and the largest quantity of the cells that chose
    it), at the client's price list."""
    price_list = price_list_of(client)
    if not client.segment_id:
        return Offer(price_list, [])
    answers = (card or needs_card_of(client) or NeedsCard(answers={})).answers
    chosen: dict[int, OfferLine] = {}
    cells = OfferItem.objects.filter(segment_id=client.segment_id).select_related("product")
    for cell in cells:
        if not cell.product.is_active or not answer_matches(answers, cell.question, cell.answer):
            continue
        why = f"{cell.question} = {cell.answer}" if cell.question else _("every client")
        line = chosen.get(cell.product_id)
        if line is None:
            chosen[cell.product_id] = OfferLine(
                cell.product, cell.importance, cell.quantity, None, [why]
            )
            continue
        line.because.append(why)
        line.quantity = max(line.quantity, cell.quantity)
        if IMPORTANCE_ORDER[cell.importance] < IMPORTANCE_ORDER[line.importance]:
            line.importance = cell.importance
    prices = (
        dict(
            Price.objects.filter(price_list=price_list, product_id__in=chosen).values_list(
                "product_id", "amount"
            )
        )
        if price_list
        else {}
    )
    for line in chosen.values():
        line.price = prices.get(line.product.pk)
    ordered = sorted(
        chosen.values(), key=lambda line: (IMPORTANCE_ORDER[line.importance], line.product.name)
    )
    return Offer(price_list, ordered)
