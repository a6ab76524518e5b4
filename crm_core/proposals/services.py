"""Setting the gates up (a segment's card rule and needs questionnaire), answering a client's
needs card, and an owner's or administrator's override of a step, with its reason."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_core.commerce.models import Product
from crm_core.common.services import unknown_fields_refuse
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
from crm_core.proposals.selectors import (
    CARD_FIELDS,
    PLACEMENT_OPS,
    SCORED_TYPES,
    Client,
    Gates,
    gates,
    kind_of,
    questionnaire_current,
)
from crm_core.segments.models import Segment
from crm_core.segments.services import segment_parameters_clean, values_clean
from tenants.identity.models import User


def may_set_up(actor: User) -> None:
    if not actor.has_perm("crm_core.change_segment"):
        raise PermissionDenied(_("Your role cannot change segments."))


@transaction.atomic
def card_rule_save(
    *, actor: User, segment: Segment, fields: list[str], parameters: list[str]
) -> CardRule:
    """What a card of the segment must hold before its needs are asked; ValidationError naming
    a field or parameter the segment's cards do not have."""
    may_set_up(actor)
    allowed = {name for kind in CARD_FIELDS if segment.applies(kind) for name in CARD_FIELDS[kind]}
    errors: dict[str, list[str]] = {}
    unknown = [name for name in fields if name not in allowed]
    if unknown:
        errors["fields"] = [
            _("Not a field of this segment's cards: %(names)s.") % {"names": ", ".join(unknown)}
        ]
    keys = {item["key"] for item in segment.parameters}
    strangers = [key for key in parameters if key not in keys]
    if strangers:
        errors["parameters"] = [
            _("Not a parameter of %(segment)s: %(keys)s.")
            % {"segment": segment.name, "keys": ", ".join(strangers)}
        ]
    if errors:
        raise ValidationError(errors)
    rule, _created = CardRule.objects.update_or_create(
        segment=segment,
        defaults={
            "fields": list(dict.fromkeys(fields)),
            "parameters": list(dict.fromkeys(parameters)),
            "updated_by": actor,
        },
    )
    return rule


@transaction.atomic
def questionnaire_save(
    *, actor: User, segment: Segment, questions: list[dict[str, Any]]
) -> Questionnaire | None:
    """The segment's needs card: a new version when its questions change (the cards answered
    before keep theirs and ask to be reviewed); None when it had none and gets none."""
    may_set_up(actor)
    try:
        cleaned = segment_parameters_clean(questions)
    except ValidationError as error:
        raise ValidationError({"questions": error.message_dict["parameters"]}) from error
    current = questionnaire_current(segment)
    if current is not None and current.questions == cleaned:
        return current
    if current is None and not cleaned:
        return None
    return Questionnaire.objects.create(
        segment=segment,
        version=(current.version + 1) if current else 1,
        questions=cleaned,
        created_by=actor,
    )


NEEDS_FIELDS = {"answers"}


@transaction.atomic
def needs_card_save(*, actor: User, client: Client, data: dict[str, Any]) -> NeedsCard:
    """The client's answers to their segment's current questionnaire, checked by the
    questions' types; refused while the steps before it are not done."""
    unknown_fields_refuse(data, NEEDS_FIELDS)
    found = gates(client)
    locked = next(step for step in found.steps if step.key == "needs")
    if locked.locked:
        raise ValidationError({"answers": [locked.why]})
    questionnaire = found.questionnaire
    if questionnaire is None:
        raise ValidationError({"answers": [_("The client's segment asks no questions.")]})
    answers = values_clean(
        questionnaire.questions,
        data.get("answers", {}),
        stranger=lambda key: _("“%(key)s” is not a question of the needs card.") % {"key": key},
        field="answers",
    )
    card, _created = NeedsCard.objects.update_or_create(
        contact=client if isinstance(client, Contact) else None,
        company=client if isinstance(client, Company) else None,
        defaults={
            "questionnaire": questionnaire,
            "answers": answers,
            "filled_at": timezone.now(),
            "filled_by": actor,
        },
    )
    return card


@transaction.atomic
def gate_override(*, actor: User, client: Client, step: str, reason: str) -> GateOverride:
    """Pass a step without its condition (an owner or administrator, with a reason)."""
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner or an administrator passes a step over."))
    errors: dict[str, list[str]] = {}
    if step not in GateOverride.Step.values:
        errors["step"] = [_("Choose one of the steps.")]
    if not reason.strip():
        errors["reason"] = [_("Say why the step is passed over.")]
    if errors:
        raise ValidationError(errors)
    return GateOverride.objects.create(
        **{kind_of(client): client}, step=step, reason=reason.strip(), created_by=actor
    )


def proposal_allowed(client: Client) -> Gates:
    """The gates, when they are all passed; otherwise ValidationError naming the first step
    still to do (what a proposal's creation calls first, in the pages and the API alike)."""
    found = gates(client)
    if not found.open:
        step = found.first_to_do()
        raise ValidationError(
            {"client": [_("“%(step)s” first: %(why)s") % {"step": step.title, "why": step.why}]}
        )
    return found


@transaction.atomic
def potential_rule_save(
    *, actor: User, segment: Segment, terms: list[dict[str, Any]], classes: list[dict[str, Any]]
) -> PotentialRule:
    """How the segment's clients' potential is scored: terms of points per unit of a number,
    money or yes/no parameter (with an optional cap), and the classes by their lowest score.
    ValidationError naming the term or class that does not add up."""
    may_set_up(actor)
    problems: list[str] = []
    cleaned_terms = []
    for number, term in enumerate(terms, start=1):
        key = str(term.get("parameter") or "")
        parameter = segment.parameter(key)
        if parameter is None or parameter["type"] not in SCORED_TYPES:
            problems.append(
                _("Term %(number)d: choose a number, money or yes/no parameter of %(segment)s.")
                % {"number": number, "segment": segment.name}
            )
            continue
        weight = _decimal(term.get("weight"))
        cap = _decimal(term.get("cap")) if term.get("cap") not in (None, "") else None
        if weight is None or (term.get("cap") not in (None, "") and (cap is None or cap < 0)):
            problems.append(
                _("“%(label)s”: points per unit and the cap are numbers (the cap 0 or more).")
                % {"label": parameter["label"]}
            )
            continue
        cleaned_terms.append(
            {"parameter": key, "weight": str(weight), "cap": str(cap) if cap is not None else None}
        )
    cleaned_classes: list[dict[str, str]] = []
    for item in classes:
        name = str(item.get("name") or "").strip()
        low = _decimal(item.get("from"))
        if not name or low is None:
            problems.append(_("Each class has a name and the score it starts at, as A=70."))
            continue
        if any(other["name"] == name or Decimal(other["from"]) == low for other in cleaned_classes):
            problems.append(
                _("Class “%(name)s”: another class has its name or its score.") % {"name": name}
            )
            continue
        cleaned_classes.append({"name": name, "from": str(low)})
    if problems:
        raise ValidationError({"potential": problems})
    cleaned_classes.sort(key=lambda item: Decimal(item["from"]), reverse=True)
    rule, _created = PotentialRule.objects.update_or_create(
        segment=segment,
        defaults={"terms": cleaned_terms, "classes": cleaned_classes, "updated_by": actor},
    )
    return rule


def _decimal(raw: Any) -> Decimal | None:
    try:
        value = Decimal(str(raw).replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def classes_parse(text: str) -> list[dict[str, str]]:
    """ "A=70, B=40, C=0" as the classes a potential rule takes (a part without "=" keeps its
    name and no score, which the rule refuses naming it)."""
    parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    return [
        {"name": name.strip(), "from": low.strip()}
        for name, _sep, low in (part.partition("=") for part in parts)
    ]


def _answers_of(question: dict) -> list[str] | None:
    """The answers a matrix cell may name for a question (None: any text)."""
    if question["type"] in ("choice", "multi_choice"):
        return list(question["choices"])
    if question["type"] == "boolean":
        return ["yes", "no"]
    return None


@transaction.atomic
def offer_matrix_save(*, actor: User, segment: Segment, rows: list[dict[str, Any]]) -> int:
    """The segment's offer matrix, replaced by `rows` ({question, answer, product, importance,
    quantity}; no question: for every client). ValidationError naming each row that does not
    fit the current needs card or the catalogue. Returns how many cells it holds."""
    may_set_up(actor)
    questionnaire = questionnaire_current(segment)
    questions = {item["key"]: item for item in (questionnaire.questions if questionnaire else [])}
    products = Product.objects.in_bulk(
        {row.get("product") for row in rows if isinstance(row.get("product"), int)}
    )
    problems: list[str] = []
    cells: list[OfferItem] = []
    seen: set[tuple] = set()
    for number, row in enumerate(rows, start=1):
        question, answer = str(row.get("question") or ""), str(row.get("answer") or "").strip()
        product = products.get(row.get("product"))
        quantity = _decimal(row.get("quantity", 1))
        importance = row.get("importance") or OfferItem.Importance.RECOMMENDED
        if product is None or not product.is_active:
            problems.append(_("Row %(number)d: choose a product on sale.") % {"number": number})
            continue
        if question and question not in questions:
            problems.append(
                _("Row %(number)d: the needs card has no question “%(key)s”.")
                % {"number": number, "key": question}
            )
            continue
        allowed = _answers_of(questions[question]) if question else None
        if question and (not answer or (allowed is not None and answer not in allowed)):
            problems.append(
                _("Row %(number)d: answer “%(question)s” with one of: %(answers)s.")
                % {
                    "number": number,
                    "question": questions[question]["label"],
                    "answers": ", ".join(allowed or []) or _("any text"),
                }
            )
            continue
        if importance not in OfferItem.Importance.values:
            problems.append(_("Row %(number)d: choose how much it matters.") % {"number": number})
            continue
        if quantity is None or quantity <= 0 or quantity >= Decimal("1e9"):
            problems.append(
                _("Row %(number)d: the quantity is a number above 0.") % {"number": number}
            )
            continue
        key = (question, answer if question else "", product.pk)
        if key in seen:
            problems.append(
                _("Row %(number)d: %(product)s is already offered for this answer.")
                % {"number": number, "product": product.name}
            )
            continue
        seen.add(key)
        cells.append(
            OfferItem(
                segment=segment,
                question=question,
                answer=answer if question else "",
                product=product,
                importance=importance,
                quantity=quantity,
                position=number,
            )
        )
    if problems:
        raise ValidationError({"matrix": problems})
    OfferItem.objects.filter(segment=segment).delete()
    OfferItem.objects.bulk_create(cells)
    return len(cells)


@transaction.atomic
def placement_rule_save(
    *, actor: User, segment: Segment, conditions: list[dict[str, Any]]
) -> PlacementRule | None:
    """When a client belongs to the segment, by its card (no conditions: no rule); each bad
    condition refused by its row."""
    may_set_up(actor)
    allowed = {name for kind in CARD_FIELDS if segment.applies(kind) for name in CARD_FIELDS[kind]}
    problems: list[str] = []
    clean: list[dict[str, str]] = []
    for number, row in enumerate(conditions, start=1):
        field, op = row.get("field", ""), row.get("op", "")
        value = str(row.get("value") or "").strip()
        if field not in allowed:
            problems.append(
                _("Row %(row)s: “%(field)s” is not a field of this segment's cards.")
                % {"row": number, "field": field}
            )
        elif op not in PLACEMENT_OPS:
            problems.append(
                _("Row %(row)s: the test is one of: equals, contains, filled.") % {"row": number}
            )
        elif op != "filled" and not value:
            problems.append(_("Row %(row)s: give the value to compare with.") % {"row": number})
        else:
            clean.append({"field": field, "op": op, "value": "" if op == "filled" else value})
    if problems:
        raise ValidationError({"placement": problems})
    if not clean:
        PlacementRule.objects.filter(segment=segment).delete()
        return None
    rule, _created = PlacementRule.objects.update_or_create(
        segment=segment, defaults={"conditions": clean, "updated_by": actor}
    )
    return rule


@transaction.atomic
def proposal_setup_save(
    *,
    actor: User,
    segment: Segment,
    card_fields: list[str],
    card_parameters: list[str],
    questions: list[dict[str, Any]],
    terms: list[dict[str, Any]],
    classes: list[dict[str, Any]],
    matrix: list[dict[str, Any]],
    placement: list[dict[str, Any]] | None = None,
) -> None:
    """The segment's whole proposal setup (placement, card rule, needs questions, potential,
    offer matrix) in one transaction, as the setup page and the API take it: nothing is kept
    when a part is refused."""
    if placement is not None:
        placement_rule_save(actor=actor, segment=segment, conditions=placement)
    card_rule_save(actor=actor, segment=segment, fields=card_fields, parameters=card_parameters)
    questionnaire_save(actor=actor, segment=segment, questions=questions)
    potential_rule_save(actor=actor, segment=segment, terms=terms, classes=classes)
    offer_matrix_save(actor=actor, segment=segment, rows=matrix)
