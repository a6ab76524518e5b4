"""The company's own settings through the API: its requisites."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.common.fields import RequisitesInput
from crm_core.workspace.models import WorkspaceSettings
from crm_core.workspace.services import OWN_REQUISITE_FIELDS, own_requisites, own_requisites_save


class OwnRequisitesSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkspaceSettings
        fields = list(OWN_REQUISITE_FIELDS)


class OwnRequisitesApi(APIView):
    """The company's own requisites, the seller on its invoices."""

    class InputSerializer(RequisitesInput, StrictSerializer):
        legal_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
        tax_id = serializers.CharField(max_length=32, required=False, allow_blank=True)
        legal_address = serializers.CharField(required=False, allow_blank=True)
        signatory = serializers.CharField(max_length=255, required=False, allow_blank=True)

    @extend_schema(responses=OwnRequisitesSerializer)
    def get(self, request):
        return Response(OwnRequisitesSerializer(own_requisites()).data)

    @extend_schema(
        request=InputSerializer,
        responses=OwnRequisitesSerializer,
        description="Owners and administrators; fields left out keep their value.",
    )
    def patch(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = own_requisites_save(actor=request.user, data=dict(data.validated_data))
        return Response(OwnRequisitesSerializer(row).data)
