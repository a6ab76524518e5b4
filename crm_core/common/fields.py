"""Serializer fields the CRM's API modules share."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

REF_SCHEMA = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


@extend_schema_field(REF_SCHEMA)
class RecordRef(serializers.Field):
    """A related record as `{"id", "name"}`: a person's full name, anything else's name.
    A missing relation is `null` (DRF answers None without calling this field)."""

    def __init__(self, **kwargs) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, record) -> dict:
        name = record.full_name if hasattr(record, "full_name") else record.name
        return {"id": record.pk, "name": name}


def without_version(validated: dict) -> dict:
    """A PATCH's fields for the service, the version it read going separately."""
    return {key: value for key, value in validated.items() if key != "version"}


def version_field() -> serializers.IntegerField:
    """The `version` a PATCH sends back (optimistic locking): the version the caller read; an
    edit of an older version is refused with 409, so nobody's change is silently lost."""
    return serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="The version you read. Required: an edit of an older version is refused (409).",
    )


class RequisitesInput(serializers.Serializer):
    """The requisites an API input takes (a client company's, the company's own); the service
    checks them (crm_core.common.requisites)."""

    legal_form = serializers.CharField(max_length=40, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    kpp = serializers.CharField(max_length=12, required=False, allow_blank=True)
    ogrn = serializers.CharField(max_length=20, required=False, allow_blank=True)
    bank_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    bic = serializers.CharField(max_length=12, required=False, allow_blank=True)
    settlement_account = serializers.CharField(max_length=30, required=False, allow_blank=True)
    correspondent_account = serializers.CharField(max_length=30, required=False, allow_blank=True)
    iban = serializers.CharField(max_length=42, required=False, allow_blank=True)
    swift = serializers.CharField(max_length=14, required=False, allow_blank=True)
    vat_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, allow_null=True
    )
