from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import ERROR
from config.pagination import KEYSET_PARAMETERS, keyset_response, paginated
from crm_core.common.fields import RecordRef, RequisitesInput, version_field, without_version
from crm_core.common.services import EditConflict
from crm_core.marketing.services import utm_credit
from crm_core.parties.models import TIME_ZONES, Company, Contact, LifecycleStage
from crm_core.parties.selectors import (
    companies_visible,
    company_get_for_user,
    contact_get_for_user,
    contacts_visible,
    owners_assignable,
    parties_filtered,
)
from crm_core.parties.services import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    DuplicateFound,
    company_create,
    company_update,
    contact_create,
    contact_update,
    record_archive,
)
from crm_core.segments.models import Segment

# what every owned record shows besides its own fields
RECORD_META = ["owner", "created_at", "updated_at", "archived_at", "version"]


class ContactOutputSerializer(serializers.ModelSerializer):
    company = RecordRef(allow_null=True)
    owner = RecordRef()
    lifecycle_stage = RecordRef(allow_null=True)
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Contact
        fields = ["id", "full_name", *CONTACT_FIELDS, *RECORD_META]


class CompanyOutputSerializer(ContactOutputSerializer):
    class Meta:
        model = Company
        fields = ["id", *COMPANY_FIELDS, *RECORD_META]


class _OwnedInput(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=owners_assignable(), required=False)
    lifecycle_stage = serializers.PrimaryKeyRelatedField(
        queryset=LifecycleStage.objects.all(), required=False, allow_null=True
    )
    segment = serializers.PrimaryKeyRelatedField(
        queryset=Segment.objects.all(), required=False, allow_null=True
    )
    segment_values = serializers.JSONField(required=False)
    emails = serializers.ListField(child=serializers.CharField(), required=False)
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    notes = serializers.CharField(required=False, allow_blank=True)


class ContactInputSerializer(_OwnedInput):
    first_name = serializers.CharField(max_length=120)
    last_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.all(), required=False, allow_null=True
    )
    position = serializers.CharField(max_length=160, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    preferred_channel = serializers.ChoiceField(
        choices=Contact.Channel.choices, required=False, allow_blank=True
    )
    language = serializers.CharField(max_length=8, required=False, allow_blank=True)
    time_zone = serializers.ChoiceField(
        choices=TIME_ZONES,
        required=False,
        allow_blank=True,
        help_text="IANA name; blank: the company's (mailings' send windows)",
    )
    consent_email = serializers.BooleanField(required=False)
    consent_sms = serializers.BooleanField(required=False)
    consent_calls = serializers.BooleanField(required=False)
    is_vip = serializers.BooleanField(required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["company"].queryset = companies_visible(user=user)


class ContactCreateSerializer(ContactInputSerializer):
    utm_campaign = serializers.CharField(
        required=False,
        max_length=80,
        help_text="the utm_campaign of the link the lead came by: its campaign counts them as "
        "a member who responded, and is credited with their deals",
    )


class ContactPatchSerializer(ContactInputSerializer):
    version = version_field()


class CompanyInputSerializer(RequisitesInput, _OwnedInput):
    name = serializers.CharField(max_length=255)
    legal_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    tax_id = serializers.CharField(max_length=32, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=120, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    legal_address = serializers.CharField(required=False, allow_blank=True)
    postal_address = serializers.CharField(required=False, allow_blank=True)

    def __init__(self, *args, user=None, **kwargs):  # same call as the contact serializer
        super().__init__(*args, **kwargs)


class CompanyPatchSerializer(CompanyInputSerializer):
    version = version_field()


def _version(request) -> int:
    try:
        return int(request.data["version"])
    except (KeyError, TypeError, ValueError):
        raise ValidationError(
            {"version": ["Send the version you read, to protect others' changes."]}
        ) from None


def _conflict(error: EditConflict) -> Response:
    return Response({"detail": error.messages[0]}, status=status.HTTP_409_CONFLICT)


def _list(request, kind: str, serializer):
    """One keyset page of the filtered list (the same selector the export reads)."""
    records, _segment, ordering = parties_filtered(
        user=request.user, kind=kind, query=request.query_params
    )
    return keyset_response(request, records, ordering, serializer)


LIST_PARAMETERS = [
    OpenApiParameter("q", str, description="Name, email or phone (any format)"),
    OpenApiParameter("ordering", str, description="A field, or -field for descending"),
    OpenApiParameter("archived", bool, description="true: only archived; default: active"),
    OpenApiParameter(
        "segment",
        int,
        description="Then filter its parameters with p.<key>=value, p.<key>.min=, p.<key>.max=",
    ),
    *KEYSET_PARAMETERS,
]


class ContactListCreateApi(APIView):
    @extend_schema(parameters=LIST_PARAMETERS, responses=paginated(ContactOutputSerializer))
    def get(self, request):
        return _list(request, "contact", ContactOutputSerializer)

    @extend_schema(
        request=ContactCreateSerializer,
        responses={201: ContactOutputSerializer},
        parameters=[OpenApiParameter("allow_duplicate", bool)],
    )
    def post(self, request):
        data = ContactCreateSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        utm = fields.pop("utm_campaign", "")
        try:
            with transaction.atomic():
                contact = contact_create(
                    actor=request.user,
                    data=fields,
                    allow_duplicate=request.query_params.get("allow_duplicate") == "true",
                )
                if utm:
                    utm_credit(contact=contact, utm_campaign=utm)
        except DuplicateFound as duplicate:
            visible = contacts_visible(user=request.user).filter(
                pk__in=[contact.pk for contact in duplicate.duplicates]
            )
            return Response(
                {
                    "detail": duplicate.messages[0],
                    "duplicates": [{"id": c.pk, "name": c.full_name} for c in visible],
                    "hint": "Repeat with ?allow_duplicate=true to create it anyway.",
                },
                status=status.HTTP_409_CONFLICT,
            )
        return Response(ContactOutputSerializer(contact).data, status=status.HTTP_201_CREATED)


class _PartyDetailApi(APIView):
    """Read, edit (with the version read) and archive one contact or company."""

    name = ""
    get_for_user: Callable[..., Any]
    input_serializer: Callable[..., serializers.Serializer]
    output_serializer: type[serializers.Serializer]
    update: Callable[..., Any]

    def get(self, request, pk: int):
        return Response(self.output_serializer(self.get_for_user(user=request.user, pk=pk)).data)

    def patch(self, request, pk: int):
        record = self.get_for_user(user=request.user, pk=pk)
        data = self.input_serializer(data=request.data, partial=True, user=request.user)
        data.is_valid(raise_exception=True)
        try:
            record = self.update(
                actor=request.user,
                **{self.name: record},
                data=without_version(data.validated_data),
                expected_version=_version(request),
            )
        except EditConflict as conflict:
            return _conflict(conflict)
        return Response(
            self.output_serializer(self.get_for_user(user=request.user, pk=record.pk)).data
        )

    def delete(self, request, pk: int):
        record_archive(record=self.get_for_user(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _detail_schema(patch_serializer, output_serializer):
    return extend_schema_view(
        get=extend_schema(responses=output_serializer),
        patch=extend_schema(
            request=patch_serializer, responses={200: output_serializer, 409: ERROR}
        ),
        delete=extend_schema(responses={204: None}, description="Archive (never deletes)."),
    )


@_detail_schema(ContactPatchSerializer, ContactOutputSerializer)
class ContactDetailApi(_PartyDetailApi):
    name = "contact"
    get_for_user = staticmethod(contact_get_for_user)
    input_serializer = ContactPatchSerializer
    output_serializer = ContactOutputSerializer
    update = staticmethod(contact_update)


class CompanyListCreateApi(APIView):
    @extend_schema(parameters=LIST_PARAMETERS, responses=paginated(CompanyOutputSerializer))
    def get(self, request):
        return _list(request, "company", CompanyOutputSerializer)

    @extend_schema(request=CompanyInputSerializer, responses={201: CompanyOutputSerializer})
    def post(self, request):
        data = CompanyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        company = company_create(actor=request.user, data=dict(data.validated_data))
        return Response(CompanyOutputSerializer(company).data, status=status.HTTP_201_CREATED)


@_detail_schema(CompanyPatchSerializer, CompanyOutputSerializer)
class CompanyDetailApi(_PartyDetailApi):
    name = "company"
    get_for_user = staticmethod(company_get_for_user)
    input_serializer = CompanyPatchSerializer
    output_serializer = CompanyOutputSerializer
    update = staticmethod(company_update)


class LifecycleStageListApi(APIView):
    class OutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = LifecycleStage
            fields = ["id", "name", "position", "color"]

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request):
        return Response(self.OutputSerializer(LifecycleStage.objects.all(), many=True).data)
