from decimal import Decimal

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ERROR, filter_by_ids
from config.pagination import KEYSET_PARAMETERS, Ordering, keyset_response, paginated
from crm_core.commerce.models import Product
from crm_core.common.fields import RecordRef, version_field, without_version
from crm_core.common.services import EditConflict
from crm_core.deals.models import GATE_FIELDS, Deal, DealLine, Pipeline, PipelineStage
from crm_core.deals.selectors import deal_get_for_user, deals_visible
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

DEAL_ORDERING = Ordering(
    fields=("created_at", "updated_at", "expected_close"), default="-created_at"
)


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PipelineStage
        fields = ["id", "name", "position", "probability", "is_won", "is_lost", "required_fields"]


class PipelineSerializer(serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "currency", "stages"]


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


class DealInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255)
    pipeline = serializers.PrimaryKeyRelatedField(queryset=Pipeline.objects.all(), required=False)
    stage = serializers.PrimaryKeyRelatedField(queryset=PipelineStage.objects.all(), required=False)
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
    owner = serializers.PrimaryKeyRelatedField(queryset=owners_assignable(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["contact"].queryset = contacts_visible(user=user)
            self.fields["company"].queryset = companies_visible(user=user)


class PipelineListApi(APIView):
    @extend_schema(responses=PipelineSerializer(many=True))
    def get(self, request):
        pipelines = Pipeline.objects.prefetch_related("stages")
        return Response(PipelineSerializer(pipelines, many=True).data)


class DealListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("pipeline", int),
            OpenApiParameter("stage", int),
            OpenApiParameter("owner", int),
            OpenApiParameter("contact", int),
            OpenApiParameter("ordering", str),
            *KEYSET_PARAMETERS,
        ],
        responses=paginated(DealOutputSerializer),
    )
    def get(self, request):
        queryset = deals_visible(user=request.user).prefetch_related("lines__product")
        queryset = filter_by_ids(
            queryset, request.query_params, ("pipeline", "stage", "owner", "contact", "company")
        )
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
        deal_archive(deal=deal_get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DealLinesApi(APIView):
    class LineInputSerializer(serializers.Serializer):
        product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
        quantity = serializers.DecimalField(max_digits=12, decimal_places=3)
        unit_price = serializers.DecimalField(
            max_digits=14, decimal_places=2, required=False, allow_null=True
        )
        discount_percent = serializers.DecimalField(
            max_digits=5, decimal_places=2, required=False, default=Decimal(0)
        )

    class InputSerializer(serializers.Serializer):
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
    class InputSerializer(serializers.Serializer):
        stage = serializers.PrimaryKeyRelatedField(queryset=PipelineStage.objects.all())
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
