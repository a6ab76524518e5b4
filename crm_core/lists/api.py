"""Saved views and bulk changes through the API."""

from __future__ import annotations

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import MAX_ID, StrictSerializer
from crm_core.lists.models import BulkOperation, ListKind, SavedView
from crm_core.lists.selectors import bulk_operation_get_for_user, view_get_for_user, views_for
from crm_core.lists.services import (
    BULK_LIMIT,
    bulk_apply,
    bulk_records,
    bulk_undo,
    bulk_value,
    saved_view_delete,
    saved_view_save,
)


class SavedViewSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", read_only=True)

    class Meta:
        model = SavedView
        fields = ["id", "kind", "name", "query", "columns", "shared", "owner", "created_at"]


class SavedViewInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=ListKind.choices)
    name = serializers.CharField(max_length=200)
    query = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    columns = serializers.ListField(child=serializers.CharField(), required=False)
    shared = serializers.BooleanField(required=False)


class SavedViewListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("kind", str, enum=ListKind.values, required=True)],
        responses=SavedViewSerializer(many=True),
        description="The caller's own views of a list and those their team shares.",
    )
    def get(self, request):
        kind = request.query_params.get("kind", "")
        if kind not in ListKind.values:
            raise ValidationError({"kind": [f"One of: {', '.join(ListKind.values)}."]})
        return Response(
            SavedViewSerializer(views_for(user=request.user, kind=kind), many=True).data
        )

    @extend_schema(request=SavedViewInput, responses={201: SavedViewSerializer})
    def post(self, request):
        data = SavedViewInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        view = saved_view_save(actor=request.user, kind=fields.pop("kind"), data=fields)
        return Response(SavedViewSerializer(view).data, status=status.HTTP_201_CREATED)


class SavedViewDetailApi(APIView):
    class PatchInput(StrictSerializer):
        name = serializers.CharField(max_length=200, required=False)
        query = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        columns = serializers.ListField(child=serializers.CharField(), required=False)
        shared = serializers.BooleanField(required=False)

    @extend_schema(responses=SavedViewSerializer)
    def get(self, request, pk: int):
        return Response(SavedViewSerializer(view_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=PatchInput, responses=SavedViewSerializer)
    def patch(self, request, pk: int):
        view = view_get_for_user(user=request.user, pk=pk)
        data = self.PatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        view = saved_view_save(
            actor=request.user, kind=view.kind, view=view, data=dict(data.validated_data)
        )
        return Response(SavedViewSerializer(view).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        saved_view_delete(actor=request.user, view=view_get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulkResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    count = serializers.IntegerField()
    summary = serializers.CharField()
    undo_until = serializers.DateTimeField(allow_null=True)
    refused = serializers.ListField(child=serializers.CharField())


def _result(result) -> dict:
    operation = result.operation
    return {
        "id": operation.pk if operation else None,
        "count": operation.count if operation else 0,
        "summary": operation.label if operation else "",
        "undo_until": operation.undo_until if operation else None,
        "refused": result.refused,
    }


class BulkApi(APIView):
    class InputSerializer(StrictSerializer):
        kind = serializers.ChoiceField(choices=ListKind.choices)
        action = serializers.ChoiceField(choices=BulkOperation.Action.choices)
        value = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            required=False,
            max_length=BULK_LIMIT,
        )
        query = serializers.CharField(max_length=4000, required=False, allow_blank=True)

        def validate(self, attrs):
            if ("ids" in attrs) == ("query" in attrs):
                raise serializers.ValidationError(
                    "Send either `ids` or `query` (the list's filters), not both."
                )
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses=BulkResultSerializer,
        description=f"Change up to {BULK_LIMIT:,} records of a list at once: `owner` (value: "
        "a colleague's id), `stage` (a lifecycle stage's, or a deal pipeline stage's id), "
        "`segment` (a segment's id; contacts and companies), `archive`. Undo it within a "
        "minute with POST /api/v1/bulk/{id}/undo/.",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        kind, action = fields["kind"], fields["action"]
        value = bulk_value(kind, action, str(fields.get("value", "")))
        if action != "archive" and value is None:
            raise ValidationError({"value": ["No such record to set."]})
        records = bulk_records(
            user=request.user,
            kind=kind,
            ids=fields.get("ids"),
            query=QueryDict(fields["query"]) if "query" in fields else None,
        )
        result = bulk_apply(
            actor=request.user, kind=kind, action=action, records=records, value=value
        )
        return Response(_result(result))


class BulkUndoApi(APIView):
    @extend_schema(request=None, responses=BulkResultSerializer)
    def post(self, request, pk: int):
        operation = bulk_operation_get_for_user(user=request.user, pk=pk)
        return Response(_result(bulk_undo(actor=request.user, operation=operation)))
