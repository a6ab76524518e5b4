"""The way to a proposal through the API: a client's steps towards a proposal, their needs
card, a segment's proposal setup (card rule, needs questionnaire, potential, offer matrix);
the proposals themselves, their discount's approval and the discount limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.commerce.models import Product
from crm_core.deals.models import Deal
from crm_core.deals.selectors import deals_visible
from crm_core.parties.models import Company, Contact
from crm_core.parties.screens import Kind
from crm_core.parties.selectors import companies_visible, contacts_visible
from crm_core.proposals.drafting import (
    LineInput as LineRequest,
)
from crm_core.proposals.drafting import (
    approval_decide,
    approval_request,
    discount_limits,
    discount_limits_save,
    limits_by_role,
    needs_approval,
    proposal_create,
    proposal_get_for_user,
    proposal_update,
    proposals_visible,
    send_blockers,
)
from crm_core.proposals.models import (
    CardRule,
    Document,
    DocumentPackage,
    DocumentTemplate,
    OfferItem,
    PlacementRule,
    PotentialRule,
    Proposal,
)
from crm_core.proposals.packages import package_get_for_user, package_start
from crm_core.proposals.selectors import Gates, gates, offer_for, questionnaire_current
from crm_core.proposals.services import may_set_up, needs_card_save, proposal_setup_save
from crm_core.proposals.templating import (
    DOCX,
    GENERATED,
    document_template_delete,
    document_template_save,
    documents_make,
    documents_of,
    may_edit_templates,
    merge_fields,
    proposal_docx,
    proposal_pdf,
)
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
    # the segment the placement rules put the client in
    placed = serializers.IntegerField(allow_null=True)
    potential = PotentialOutput(allow_null=True)
    questionnaire = QuestionnaireOutput(allow_null=True)
    needs = NeedsOutput(allow_null=True)
    steps = StepOutput(many=True)


def gates_json(found: Gates) -> dict[str, Any]:
    card = found.card
    offer = offer_for(found.client, card) if found.open else None
    return {
        "open": found.open,
        "placed": found.placed.pk if found.placed else None,
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


class ConditionSerializer(StrictSerializer):
    field = serializers.CharField()
    op = serializers.ChoiceField(choices=["equals", "contains", "filled"])
    value = serializers.CharField(required=False, allow_blank=True, default="")


class SetupSerializer(StrictSerializer):
    placement = ConditionSerializer(many=True, default=list)
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
    placing = PlacementRule.objects.filter(segment=segment).first()
    return {
        "placement": placing.conditions if placing else [],
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
            placement=[dict(item) for item in given["placement"]],
        )
        return Response(SetupSerializer(setup_json(segment)).data)


class LineInput(StrictSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    discount = serializers.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(0), min_value=0, max_value=100
    )


class LineOutput(serializers.Serializer):
    product = serializers.IntegerField(source="product_id")
    product_name = serializers.CharField(source="product.name")
    importance = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount = serializers.DecimalField(max_digits=5, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)


class ProposalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    contact = serializers.IntegerField(source="contact_id", allow_null=True)
    company = serializers.IntegerField(source="company_id", allow_null=True)
    deal = serializers.IntegerField(source="deal_id", allow_null=True)
    owner = serializers.IntegerField(source="owner_id")
    currency = serializers.CharField()
    language = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True)
    message = serializers.CharField()
    subtotal = serializers.DecimalField(max_digits=16, decimal_places=2)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    max_discount = serializers.DecimalField(max_digits=5, decimal_places=2)
    approval = serializers.CharField()
    approval_comment = serializers.CharField()
    needs_approval = serializers.SerializerMethodField()
    send_blockers = serializers.SerializerMethodField()
    lines = LineOutput(many=True, source="lines.all")
    version = serializers.IntegerField()

    def get_needs_approval(self, proposal: Proposal) -> bool:
        return needs_approval(proposal, self.context.get("limits"))

    def get_send_blockers(self, proposal: Proposal) -> list[str]:
        return send_blockers(proposal, self.context.get("limits"))


class ProposalInput(StrictSerializer):
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True
    )
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.none(), required=False, allow_null=True
    )
    deal = serializers.PrimaryKeyRelatedField(
        queryset=Deal.objects.none(), required=False, allow_null=True
    )
    title = serializers.CharField(max_length=255, required=False)
    language = serializers.CharField(required=False)
    valid_until = serializers.DateField(required=False, allow_null=True)
    message = serializers.CharField(required=False, allow_blank=True)
    lines = LineInput(
        many=True,
        required=False,
        help_text="Leave out to fill the proposal from the segment's offer matrix.",
    )
    version = serializers.IntegerField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["contact"].queryset = contacts_visible(user=user)
            self.fields["company"].queryset = companies_visible(user=user)
            self.fields["deal"].queryset = deals_visible(user=user)


def _lines(given: list[dict[str, Any]]) -> list[LineRequest]:
    return [
        LineRequest(item["product"], item["quantity"], item.get("discount", Decimal(0)))
        for item in given
    ]


def _proposal_json(proposal: Proposal) -> dict[str, Any]:
    fresh = Proposal.objects.prefetch_related("lines__product").get(pk=proposal.pk)
    return ProposalOutput(fresh).data


class ProposalListApi(APIView):
    @extend_schema(responses=ProposalOutput(many=True))
    def get(self, request):
        """The proposals the caller sees (?status=, ?approval=pending), newest first."""
        proposals = proposals_visible(user=request.user).prefetch_related("lines__product")
        if request.GET.get("status"):
            proposals = proposals.filter(status=request.GET["status"])
        if request.GET.get("approval"):
            proposals = proposals.filter(approval=request.GET["approval"])
        # the roles' limits read once for the page, not once a proposal
        return Response(
            ProposalOutput(proposals[:200], many=True, context={"limits": limits_by_role()}).data
        )

    @extend_schema(request=ProposalInput, responses={201: ProposalOutput})
    def post(self, request):
        """A draft for a client (`company`, with `contact` the person it goes to; or a
        `contact` alone), refused until the way to a proposal is open. Without `lines` the
        segment's offer matrix fills it."""
        data = ProposalInput(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        given.pop("version", None)
        client = given.pop("company", None) or given.get("contact")
        if client is None:
            raise serializers.ValidationError({"company": [_("Name the client.")]})
        if client is given.get("contact"):
            given.pop("contact")
        if "lines" in given:
            given["lines"] = _lines(given["lines"])
        proposal = proposal_create(actor=request.user, client=client, data=given)
        return Response(_proposal_json(proposal), status=201)


class ProposalApi(APIView):
    @extend_schema(responses=ProposalOutput)
    def get(self, request, pk: int):
        return Response(_proposal_json(proposal_get_for_user(user=request.user, pk=pk)))

    @extend_schema(request=ProposalInput, responses=ProposalOutput)
    def patch(self, request, pk: int):
        """Change a draft: lines (replaced as given), title, language, validity, message,
        the person it goes to. Send the `version` you read to refuse a lost update."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        data = ProposalInput(data=request.data, user=request.user, partial=True)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        for fixed in ("company", "deal"):
            if fixed in given:
                raise serializers.ValidationError({fixed: [_("It cannot be changed.")]})
        if "lines" in given:
            given["lines"] = _lines(given["lines"])
        proposal_update(actor=request.user, proposal=proposal, data=given)
        return Response(_proposal_json(proposal))


class DecisionInput(StrictSerializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ProposalApprovalApi(APIView):
    @extend_schema(request=None, responses=ProposalOutput)
    def post(self, request, pk: int):
        """Ask the heads of sales to approve the discount above the owner's limit."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        approval_request(actor=request.user, proposal=proposal)
        return Response(_proposal_json(proposal))

    @extend_schema(request=DecisionInput, responses=ProposalOutput)
    def put(self, request, pk: int):
        """A head of sales approves or rejects it (a rejection with a comment)."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        approval_decide(
            actor=request.user,
            proposal=proposal,
            approve=data.validated_data["decision"] == "approve",
            comment=data.validated_data["comment"],
        )
        return Response(_proposal_json(proposal))


class DiscountLimitsApi(APIView):
    @extend_schema(responses=serializers.DictField(child=serializers.DecimalField(5, 2)))
    def get(self, request):
        """The largest discount each staff role gives without approval, in percent."""
        return Response({role: f"{value:.2f}" for role, _label, value in discount_limits()})

    @extend_schema(
        request=serializers.DictField(child=serializers.DecimalField(5, 2)),
        responses=serializers.DictField(child=serializers.DecimalField(5, 2)),
    )
    def put(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"limits": [_("Send an object: role → percent.")]})
        discount_limits_save(actor=request.user, limits=dict(request.data))
        return Response({role: f"{value:.2f}" for role, _label, value in discount_limits()})


class TemplateSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=DocumentTemplate.Kind.choices)
    segment = serializers.PrimaryKeyRelatedField(
        queryset=Segment.objects.all(), allow_null=True, required=False
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    name = serializers.CharField(max_length=120)
    body = serializers.CharField(trim_whitespace=False)
    word_layout = serializers.SerializerMethodField(
        help_text="the uploaded Word layout (PUT/DELETE .../word/), or null: the built-in one"
    )

    def get_word_layout(self, template: DocumentTemplate) -> str | None:
        if not template.docx:
            return None
        return reverse("document_template_word", args=[template.pk])


class WordLayoutInput(StrictSerializer):
    file = serializers.FileField(help_text="a .docx with the template's merge fields")


class TemplateWordApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": WordLayoutInput}, responses=TemplateSerializer)
    def put(self, request, pk: int):
        """Upload the proposal template's Word layout; refused, naming each unknown merge
        field or broken block, or when the file is not a .docx."""
        may_edit_templates(request.user)
        template = get_object_or_404(DocumentTemplate, pk=pk)
        data = WordLayoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        saved = document_template_save(
            actor=request.user, template=template, data={"docx": data.validated_data["file"]}
        )
        return Response(TemplateSerializer(saved).data)

    @extend_schema(responses=TemplateSerializer)
    def delete(self, request, pk: int):
        """Remove the Word layout: the built-in one applies again."""
        may_edit_templates(request.user)
        template = get_object_or_404(DocumentTemplate, pk=pk)
        saved = document_template_save(actor=request.user, template=template, data={"docx": False})
        return Response(TemplateSerializer(saved).data)


class TemplateListApi(APIView):
    @extend_schema(responses=TemplateSerializer(many=True))
    def get(self, request):
        """The company's own document templates (the built-in ones apply where none is)."""
        may_edit_templates(request.user)
        return Response(TemplateSerializer(DocumentTemplate.objects.all(), many=True).data)

    @extend_schema(request=TemplateSerializer, responses={201: TemplateSerializer})
    def post(self, request):
        """A template; refused with the line of an unknown merge field or broken syntax."""
        may_edit_templates(request.user)
        data = TemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = document_template_save(
            actor=request.user, template=None, data=dict(data.validated_data)
        )
        return Response(TemplateSerializer(saved).data, status=201)


class TemplateApi(APIView):
    @extend_schema(responses=TemplateSerializer)
    def get(self, request, pk: int):
        may_edit_templates(request.user)
        return Response(TemplateSerializer(get_object_or_404(DocumentTemplate, pk=pk)).data)

    @extend_schema(request=TemplateSerializer, responses=TemplateSerializer)
    def put(self, request, pk: int):
        may_edit_templates(request.user)
        template = get_object_or_404(DocumentTemplate, pk=pk)
        data = TemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = document_template_save(
            actor=request.user, template=template, data=dict(data.validated_data)
        )
        return Response(TemplateSerializer(saved).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        template = get_object_or_404(DocumentTemplate, pk=pk)
        document_template_delete(actor=request.user, template=template)
        return Response(status=204)


class MergeFieldsApi(APIView):
    @extend_schema(responses=serializers.DictField(child=serializers.DictField()))
    def get(self, request):
        """Every merge field a template may use, by group (?segment=: with its questions)."""
        segment = (
            get_object_or_404(Segment, pk=request.GET["segment"])
            if request.GET.get("segment", "").isdigit()
            else None
        )
        return Response({group.name: dict(group.fields) for group in merge_fields(segment)})


class ProposalFileApi(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int, file_format: str):
        """The proposal as a PDF or DOCX file, from its segment's template in its language."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        if file_format == "docx":
            return HttpResponse(proposal_docx(proposal), content_type=DOCX)
        return HttpResponse(proposal_pdf(proposal), content_type="application/pdf")


class DocumentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    number = serializers.CharField()
    version = serializers.IntegerField()
    language = serializers.CharField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, document: Document) -> str:
        return reverse("document_file", args=[document.pk])


class DocumentsInput(StrictSerializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=list(GENERATED)), allow_empty=False
    )


class ProposalDocumentsApi(APIView):
    @extend_schema(responses=DocumentOutput(many=True))
    def get(self, request, pk: int):
        """The proposal's documents, every version, newest first."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        return Response(DocumentOutput(documents_of(proposal=proposal), many=True).data)

    @extend_schema(request=DocumentsInput, responses={201: DocumentOutput(many=True)})
    def post(self, request, pk: int):
        """Make documents of the proposal (a new version of those made before)."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        data = DocumentsInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = documents_make(
            actor=request.user, proposal=proposal, kinds=list(data.validated_data["kinds"])
        )
        return Response(DocumentOutput(made, many=True).data, status=201)


class PackageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField(source="proposal_id")
    deal = serializers.IntegerField(source="deal_id", allow_null=True)
    kinds = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    done = serializers.IntegerField(help_text="documents made so far")
    total = serializers.IntegerField(help_text="documents to make")
    pages = serializers.IntegerField()
    problem = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField(help_text="the ZIP, once ready")

    def get_url(self, package: DocumentPackage) -> str | None:
        if package.status != DocumentPackage.Status.DONE:
            return None
        return reverse("document_package_file", args=[package.pk])


class ProposalPackagesApi(APIView):
    @extend_schema(request=DocumentsInput, responses={202: PackageOutput})
    def post(self, request, pk: int):
        """Make documents of the proposal as one ZIP in the background (each kept as a
        document, a new version of those made before); follow it at its own address."""
        proposal = proposal_get_for_user(user=request.user, pk=pk)
        data = DocumentsInput(data=request.data)
        data.is_valid(raise_exception=True)
        package = package_start(
            actor=request.user,
            proposal=proposal,
            kinds=list(data.validated_data["kinds"]),
            language=request.LANGUAGE_CODE,
        )
        return Response(PackageOutput(package).data, status=202)


class PackageApi(APIView):
    @extend_schema(responses=PackageOutput)
    def get(self, request, pk: int):
        """A document package: how far it got, then its ZIP's address."""
        return Response(PackageOutput(package_get_for_user(user=request.user, pk=pk)).data)
