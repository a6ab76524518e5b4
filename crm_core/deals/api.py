from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ERROR, StrictSerializer
from config.pagination import KEYSET_PARAMETERS, keyset_response, paginated
from crm_core.commerce.models import Product
from crm_core.common.fields import RecordRef, version_field, without_version
from crm_core.common.services import EditConflict
from crm_core.deals.filters import DealStatus
from crm_core.deals.models import (
    GATE_FIELDS,
    Deal,
    DealLine,
    ForecastCategory,
    Pipeline,
    PipelineStage,
)
from crm_core.deals.pipelines import (
    pipeline_archive,
    pipeline_save,
    stage_archive,
    stage_save,
    stages_reorder,
)
from crm_core.deals.selectors import DEAL_ORDERING, deal_get_for_user, deals_filtered
from crm_core.deals.services import (
    DealLineRequest,
    deal_archive,
    deal_create,
    deal_lines_set,
    deal_move,
    deal_update,
)
from crm_core.parties.models import Company, Contact
from crm_core.parties.selectors import companies_visible, contacts_visible, owners_assignable


class StageSerializer(serializers.ModelSerializer):
    required_products = serializers.ManyRelatedField(
        child_relation=serializers.PrimaryKeyRelatedField(read_only=True), read_only=True
    )
    archived = serializers.SerializerMethodField()

    class Meta:
        model = PipelineStage
        fields = [
            "id",
            "name",
            "position",
            "probability",
            "is_won",
            "is_lost",
            "required_fields",
            "required_products",
            "archived",
        ]

    def get_archived(self, stage: PipelineStage) -> bool:
        return stage.archived_at is not None


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)
    archived = serializers.SerializerMethodField()

    class Meta:
        model = Pipeline
        fields = ["id", "name", "currency", "position", "archived", "stages"]

    def get_archived(self, pipeline: Pipeline) -> bool:
        return pipeline.archived_at is not None


def _pipelines():
    return Pipeline.objects.prefetch_related("stages__required_products")


class DealLineSerializer(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)

    class Meta:
        model = DealLine
        fields = [
            "id",
            "product",
            "product_name",
            "quantity",
            "unit_price",
            "discount_percent",
            "total",
        ]


class DealOutputSerializer(serializers.ModelSerializer):
    lines = DealLineSerializer(many=True, read_only=True)
    stage = serializers.SerializerMethodField()
    contact = RecordRef(allow_null=True)
    company = RecordRef(allow_null=True)
    owner = RecordRef()

    class Meta:
        model = Deal
        fields = [
            "id",
            "title",
            "pipeline",
            "stage",
            "amount",
            "currency",
            "lines",
            "contact",
            "company",
            "expected_close",
            "description",
            "lost_reason",
            "forecast_category",
            "owner",
            "stage_entered_at",
            "closed_at",
            "created_at",
            "updated_at",
            "archived_at",
            "version",
        ]

    def get_stage(self, deal) -> dict:
        return {"id": deal.stage_id, "name": deal.stage.name, "probability": deal.stage.probability}


class DealInputSerializer(StrictSerializer):
    title = serializers.CharField(max_length=255)
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.filter(archived_at=None), required=False
    )
    stage = serializers.PrimaryKeyRelatedField(
        queryset=PipelineStage.objects.filter(archived_at=None), required=False
    )
    amount = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True
    )
    currency = serializers.CharField(required=False)
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True
    )
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.none(), required=False, allow_null=True
    )
    expected_close = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    lost_reason = serializers.CharField(required=False, allow_blank=True, max_length=255)
    forecast_category = serializers.ChoiceField(
        choices=ForecastCategory.choices,
        required=False,
        allow_blank=True,
        help_text="Blank: from the stage's probability (90 % and up commit, 50 % best case).",
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=owners_assignable(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["contact"].queryset = contacts_visible(user=user)
            self.fields["company"].queryset = companies_visible(user=user)


class PipelineListApi(APIView):
    class InputSerializer(StrictSerializer):
        name = serializers.CharField(max_length=120)
        currency = serializers.CharField(max_length=3, required=False)

    @extend_schema(
        responses=PipelineSerializer(many=True),
        description="Every pipeline with its stages, archived ones marked.",
    )
    def get(self, request):
        return Response(PipelineSerializer(_pipelines(), many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: PipelineSerializer},
        description="Owners and administrators. A new pipeline starts with an open, a won and a "
        "lost stage.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pipeline = pipeline_save(actor=request.user, pipeline=None, data=data.validated_data)
        body = PipelineSerializer(_pipelines().get(pk=pipeline.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class PipelineDetailApi(APIView):
    class InputSerializer(StrictSerializer):
        name = serializers.CharField(max_length=120, required=False)
        currency = serializers.CharField(max_length=3, required=False)
        archived = serializers.BooleanField(required=False)

    @extend_schema(responses=PipelineSerializer)
    def get(self, request, pk: int):
        return Response(PipelineSerializer(get_object_or_404(_pipelines(), pk=pk)).data)

    @extend_schema(
        request=InputSerializer,
        responses=PipelineSerializer,
        description="Rename, change the currency, archive or restore (`archived`). Owners and "
        "administrators; archiving is refused while deals are open in the pipeline.",
    )
    def patch(self, request, pk: int):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        archived = fields.pop("archived", None)
        with transaction.atomic():
            if fields:
                pipeline_save(actor=request.user, pipeline=pipeline, data=fields)
            if archived is not None:
                pipeline_archive(actor=request.user, pipeline=pipeline, archived=archived)
        return Response(PipelineSerializer(_pipelines().get(pk=pk)).data)

    @extend_schema(responses={204: None}, description="Archive (never deletes).")
    def delete(self, request, pk: int):
        pipeline_archive(actor=request.user, pipeline=get_object_or_404(Pipeline, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class _StageInput(StrictSerializer):
    name = serializers.CharField(max_length=120, required=False)
    probability = serializers.IntegerField(required=False, min_value=0, max_value=100)
    is_won = serializers.BooleanField(required=False)
    is_lost = serializers.BooleanField(required=False)
    required_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(GATE_FIELDS)), required=False
    )
    required_products = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Product.objects.all(), required=False
    )


class PipelineStageListApi(APIView):
    class InputSerializer(_StageInput):
        name = serializers.CharField(max_length=120)

    @extend_schema(
        request=InputSerializer,
        responses={201: StageSerializer},
        description="Add a stage at the end of the pipeline. Owners and administrators.",
    )
    def post(self, request, pk: int):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = stage_save(
            actor=request.user, pipeline=pipeline, stage=None, data=data.validated_data
        )
        return Response(StageSerializer(stage).data, status=status.HTTP_201_CREATED)


class PipelineStageDetailApi(APIView):
    class InputSerializer(_StageInput):
        archived = serializers.BooleanField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses=StageSerializer,
        description="Change a stage, or archive or restore it (`archived`; refused while deals "
        "are in it). Owners and administrators.",
    )
    def patch(self, request, pk: int, stage_pk: int):
        stage = get_object_or_404(PipelineStage, pk=stage_pk, pipeline_id=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        archived = fields.pop("archived", None)
        with transaction.atomic():
            if fields:
                stage = stage_save(
                    actor=request.user, pipeline=stage.pipeline, stage=stage, data=fields
                )
            if archived is not None:
                stage = stage_archive(actor=request.user, stage=stage, archived=archived)
        return Response(StageSerializer(stage).data)

    @extend_schema(responses={204: None}, description="Archive (never deletes).")
    def delete(self, request, pk: int, stage_pk: int):
        stage = get_object_or_404(PipelineStage, pk=stage_pk, pipeline_id=pk)
        stage_archive(actor=request.user, stage=stage)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PipelineStageOrderApi(APIView):
    class InputSerializer(StrictSerializer):
        stages = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)

    @extend_schema(
        request=InputSerializer,
        responses=StageSerializer(many=True),
        description="The new order of the pipeline's active stages: every one of them, once.",
    )
    def post(self, request, pk: int):
        pipeline = get_object_or_404(Pipeline, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stages = stages_reorder(
            actor=request.user, pipeline=pipeline, order=data.validated_data["stages"]
        )
        return Response(StageSerializer(stages, many=True).data)


class DealListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words of the title, company or contact."),
            OpenApiParameter("pipeline", int),
            OpenApiParameter("stage", int),
            OpenApiParameter("status", str, enum=[value for value, _ in DealStatus.CHOICES]),
            OpenApiParameter("owner", int),
            OpenApiParameter("contact", int),
            OpenApiParameter("company", int),
            OpenApiParameter("close_after", OpenApiTypes.DATE),
            OpenApiParameter("close_before", OpenApiTypes.DATE),
            OpenApiParameter("amount_min", OpenApiTypes.DECIMAL),
            OpenApiParameter("amount_max", OpenApiTypes.DECIMAL),
            OpenApiParameter(
                "ordering",
                str,
                enum=[f"{sign}{name}" for name in DEAL_ORDERING.fields for sign in ("", "-")],
                description="`close_date`: no date last; `amount_value`: no amount as 0.",
            ),
            *KEYSET_PARAMETERS,
        ],
        responses=paginated(DealOutputSerializer),
    )
    def get(self, request):
        queryset = deals_filtered(user=request.user, query=request.query_params)
        queryset = queryset.prefetch_related("lines__product")
        return keyset_response(request, queryset, DEAL_ORDERING, DealOutputSerializer)

    @extend_schema(request=DealInputSerializer, responses={201: DealOutputSerializer})
    def post(self, request):
        data = DealInputSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        deal = deal_create(actor=request.user, data=dict(data.validated_data))
        return Response(DealOutputSerializer(deal).data, status=status.HTTP_201_CREATED)


class DealPatchSerializer(DealInputSerializer):
    version = version_field()


class DealDetailApi(APIView):
    @extend_schema(responses=DealOutputSerializer)
    def get(self, request, pk: int):
        return Response(DealOutputSerializer(deal_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=DealPatchSerializer, responses={200: DealOutputSerializer, 409: ERROR})
    def patch(self, request, pk: int):
        deal = deal_get_for_user(user=request.user, pk=pk)
        data = DealPatchSerializer(data=request.data, partial=True, user=request.user)
        data.is_valid(raise_exception=True)
        if "version" not in request.data:
            raise ValidationError({"version": ["Send the version you read."]})
        try:
            deal = deal_update(
                actor=request.user,
                deal=deal,
                data=without_version(data.validated_data),
                expected_version=data.validated_data["version"],
            )
        except EditConflict as conflict:
            return Response({"detail": conflict.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(DealOutputSerializer(deal_get_for_user(user=request.user, pk=deal.pk)).data)

    @extend_schema(responses={204: None}, description="Archive (never deletes).")
    def delete(self, request, pk: int):
        deal_archive(actor=request.user, deal=deal_get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DealLinesApi(APIView):
    class LineInputSerializer(StrictSerializer):
        product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
        quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
        unit_price = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, allow_null=True
        )
        discount_percent = serializers.DecimalField(
            max_digits=5, decimal_places=2, required=False, default=Decimal(0)
        )

    class InputSerializer(StrictSerializer):
        lines = serializers.ListField(child=serializers.DictField(), max_length=500)
        version = serializers.IntegerField(required=False)

    @extend_schema(
        request=InputSerializer,
        responses=DealOutputSerializer,
        description="Replace the deal's products. A line without unit_price takes the price "
        "from the client's price list. With products, the deal's amount is their total.",
    )
    def put(self, request, pk: int):
        deal = deal_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lines = []
        errors = {}
        for index, raw in enumerate(data.validated_data["lines"]):
            line = self.LineInputSerializer(data=raw)
            if not line.is_valid():
                errors[f"lines[{index}]"] = line.errors
                continue
            values = line.validated_data
            lines.append(
                DealLineRequest(
                    values["product"],
                    values["quantity"],
                    values.get("unit_price"),
                    values["discount_percent"],
                )
            )
        if errors:
            raise serializers.ValidationError(errors)
        try:
            deal = deal_lines_set(
                actor=request.user,
                deal=deal,
                lines=lines,
                expected_version=data.validated_data.get("version"),
            )
        except EditConflict as conflict:
            return Response({"detail": conflict.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(DealOutputSerializer(deal_get_for_user(user=request.user, pk=deal.pk)).data)


class DealMoveApi(APIView):
    class InputSerializer(StrictSerializer):
        stage = serializers.PrimaryKeyRelatedField(
            queryset=PipelineStage.objects.filter(archived_at=None)
        )
        position = serializers.IntegerField(required=False, min_value=0)

    @extend_schema(
        request=InputSerializer,
        responses=DealOutputSerializer,
        description="Refused with 400 naming the missing fields when the stage's "
        f"gate is closed. Gate fields: {', '.join(GATE_FIELDS)}.",
    )
    def post(self, request, pk: int):
        deal = deal_get_for_user(user=request.user, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deal = deal_move(
            actor=request.user,
            deal=deal,
            stage=data.validated_data["stage"],
            position=data.validated_data.get("position"),
        )
        return Response(DealOutputSerializer(deal).data)
