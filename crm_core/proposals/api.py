"""The gates through the API: a client's steps towards a proposal, their needs card, and a
segment's proposal setup (card rule and needs questionnaire)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.parties.screens import Kind
from crm_core.proposals.models import CardRule, OfferItem, PotentialRule
from crm_core.proposals.selectors import Gates, gates, offer_for, questionnaire_current
from crm_core.proposals.services import may_set_up, needs_card_save, proposal_setup_save
from crm_core.segments.models import Segment
from crm_core.segments.serializers import ParameterSerializer


class OverrideOutput(serializers.Serializer):
    reason = serializers.CharField()
    by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()


class StepOutput(serializers.Serializer):
    key = serializers.ChoiceField(choices=["segment", "card", "needs", "proposal"])
    title = serializers.CharField()
    done = serializers.BooleanField()
    locked = serializers.BooleanField()
    why = serializers.CharField(allow_blank=True)
    missing = serializers.ListField(child=serializers.CharField())
    override = OverrideOutput(allow_null=True)


class NeedsOutput(serializers.Serializer):
    version = serializers.IntegerField()
    answers = serializers.DictField()
    filled_at = serializers.DateTimeField()


class QuestionnaireOutput(serializers.Serializer):
    version = serializers.IntegerField()
    questions = ParameterSerializer(many=True)


class PotentialLineOutput(serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # the API's field name
    value = serializers.JSONField(allow_null=True)
    weight = serializers.DecimalField(max_digits=30, decimal_places=10)
    points = serializers.DecimalField(max_digits=30, decimal_places=1)
    capped = serializers.BooleanField()


class PotentialOutput(serializers.Serializer):
    score = serializers.DecimalField(max_digits=30, decimal_places=1)
    name = serializers.CharField(allow_blank=True)
    lines = PotentialLineOutput(many=True)


class OfferLineOutput(serializers.Serializer):
    product = serializers.IntegerField()
    name = serializers.CharField()
    importance = serializers.ChoiceField(choices=OfferItem.Importance.choices)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.CharField(allow_null=True)
    because = serializers.ListField(child=serializers.CharField())


class GatesOutput(serializers.Serializer):
    open = serializers.BooleanField()
    # what the segment's offer matrix proposes from the needs card, once the way is open
    offer = OfferLineOutput(many=True, allow_null=True)
    segment = serializers.IntegerField(allow_null=True)
    potential = PotentialOutput(allow_null=True)
    questionnaire = QuestionnaireOutput(allow_null=True)
    needs = NeedsOutput(allow_null=True)
    steps = StepOutput(many=True)


def gates_json(found: Gates) -> dict[str, Any]:
    card = found.card
    offer = offer_for(found.client, card) if found.open else None
    return {
        "open": found.open,
        "offer": [
            {
                "product": line.product.pk,
                "name": line.product.name,
                "importance": line.importance,
                "quantity": line.quantity,
                "price": line.price,
                "currency": offer.price_list.currency if offer.price_list else None,
                "because": line.because,
            }
            for line in offer.lines
        ]
        if offer is not None
        else None,
        "segment": found.segment.pk if found.segment else None,
        "potential": {
            "score": found.potential.score,
            "name": found.potential.name,
            "lines": [
                {
                    "label": line.label,
                    "value": line.value,
                    "weight": line.weight,
                    "points": line.points,
                    "capped": line.capped,
                }
                for line in found.potential.lines
            ],
        }
        if found.potential
        else None,
        "questionnaire": {
            "version": found.questionnaire.version,
            "questions": found.questionnaire.questions,
        }
        if found.questionnaire
        else None,
        "needs": {
            "version": card.questionnaire.version,
            "answers": card.answers,
            "filled_at": card.filled_at,
        }
        if card
        else None,
        "steps": [
            {
                "key": step.key,
                "title": step.title,
                "done": step.done,
                "locked": step.locked,
                "why": step.why,
                "missing": step.missing,
                "override": {
                    "reason": step.override.reason,
                    "by": str(step.override.created_by) if step.override.created_by else None,
                    "at": step.override.created_at,
                }
                if step.override
                else None,
            }
            for step in found.steps
        ],
    }


class GatesApi(APIView):
    @extend_schema(responses=GatesOutput)
    def get(self, request, kind: Kind, pk: int):
        """The client's steps towards a proposal: each done, to do or locked, and why."""
        client = kind.get_for_user(user=request.user, pk=pk)
        return Response(GatesOutput(gates_json(gates(client))).data)


class NeedsInput(StrictSerializer):
    answers = serializers.DictField()


class NeedsApi(APIView):
    @extend_schema(request=NeedsInput, responses=GatesOutput)
    def put(self, request, kind: Kind, pk: int):
        """Answer the client's needs card (their segment's current questions); refused while
        the steps before it are not done."""
        client = kind.get_for_user(user=request.user, pk=pk)
        data = NeedsInput(data=request.data)
        data.is_valid(raise_exception=True)
        needs_card_save(actor=request.user, client=client, data=dict(data.validated_data))
        return Response(GatesOutput(gates_json(gates(client))).data)


class QuestionSerializer(StrictSerializer, ParameterSerializer):
    """A question of the needs card: a segment parameter's shape, unknown keys refused."""


class TermSerializer(StrictSerializer):
    parameter = serializers.CharField()
    weight = serializers.CharField()
    cap = serializers.CharField(allow_null=True, required=False)


# a class of the potential: {"name": "A", "from": "70"} ("from" is a Python keyword, so the
# serializer is put together from a dict)
ClassSerializer = type(
    "ClassSerializer",
    (StrictSerializer,),
    {"name": serializers.CharField(), "from": serializers.CharField()},
)


class OfferRowSerializer(StrictSerializer):
    question = serializers.CharField(required=False, allow_blank=True, default="")
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    product = serializers.IntegerField()
    importance = serializers.ChoiceField(
        choices=OfferItem.Importance.choices, default=OfferItem.Importance.RECOMMENDED
    )
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3, default=Decimal(1))


class SetupSerializer(StrictSerializer):
    card_fields = serializers.ListField(child=serializers.CharField(), default=list)
    card_parameters = serializers.ListField(child=serializers.CharField(), default=list)
    questions = QuestionSerializer(many=True, default=list)
    potential_terms = TermSerializer(many=True, default=list)
    potential_classes = ClassSerializer(many=True, default=list)
    offer_matrix = OfferRowSerializer(many=True, default=list)
    version = serializers.IntegerField(read_only=True, allow_null=True)


def setup_json(segment: Segment) -> dict[str, Any]:
    rule = CardRule.objects.filter(segment=segment).first()
    current = questionnaire_current(segment)
    scoring = PotentialRule.objects.filter(segment=segment).first()
    return {
        "potential_terms": scoring.terms if scoring else [],
        "potential_classes": scoring.classes if scoring else [],
        "offer_matrix": [
            {
                "question": cell.question,
                "answer": cell.answer,
                "product": cell.product_id,
                "importance": cell.importance,
                "quantity": cell.quantity,
            }
            for cell in OfferItem.objects.filter(segment=segment)
        ],
        "card_fields": rule.fields if rule else [],
        "card_parameters": rule.parameters if rule else [],
        "questions": current.questions if current else [],
        "version": current.version if current else None,
    }


class SetupApi(APIView):
    @extend_schema(responses=SetupSerializer)
    def get(self, request, pk: int):
        """What a card of the segment must hold, and the questions of its needs card."""
        return Response(SetupSerializer(setup_json(get_object_or_404(Segment, pk=pk))).data)

    @extend_schema(request=SetupSerializer, responses=SetupSerializer)
    def put(self, request, pk: int):
        """Set them: a change of the questions makes a new version of the needs card."""
        may_set_up(request.user)
        segment = get_object_or_404(Segment, pk=pk)
        data = SetupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        proposal_setup_save(
            actor=request.user,
            segment=segment,
            card_fields=given["card_fields"],
            card_parameters=given["card_parameters"],
            questions=[dict(item) for item in given["questions"]],
            terms=[dict(item) for item in given["potential_terms"]],
            classes=[dict(item) for item in given["potential_classes"]],
            matrix=[dict(item) for item in given["offer_matrix"]],
        )
        return Response(SetupSerializer(setup_json(segment)).data)
