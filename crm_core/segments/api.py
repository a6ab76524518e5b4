from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from crm_core.segments.models import Segment
from crm_core.segments.serializers import ParameterSerializer
from crm_core.segments.services import segment_save


class SegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    applies_to = serializers.ChoiceField(choices=Segment.AppliesTo.choices, required=False)
    parameters = ParameterSerializer(many=True, required=False)


def _require(request, action: str) -> None:
    if not request.user.has_perm(f"crm_core.{action}_segment"):
        raise PermissionDenied("Your role cannot change segments.")


class SegmentListCreateApi(APIView):
    @extend_schema(responses=SegmentSerializer(many=True))
    def get(self, request):
        return Response(SegmentSerializer(Segment.objects.all(), many=True).data)

    @extend_schema(request=SegmentSerializer, responses={201: SegmentSerializer})
    def post(self, request):
        _require(request, "add")
        data = SegmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        segment = segment_save(segment=None, data=data.validated_data)
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)


class SegmentDetailApi(APIView):
    @extend_schema(responses=SegmentSerializer)
    def get(self, request, pk: int):
        segment = Segment.objects.filter(pk=pk).first()
        if segment is None:
            raise Http404
        return Response(SegmentSerializer(segment).data)

    @extend_schema(request=SegmentSerializer, responses=SegmentSerializer)
    def put(self, request, pk: int):
        _require(request, "change")
        segment = Segment.objects.filter(pk=pk).first()
        if segment is None:
            raise Http404
        data = SegmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            SegmentSerializer(segment_save(segment=segment, data=data.validated_data)).data
        )
