"""The shape of a parameter schema in the API (a segment's parameters, a needs card's
questions), shared by the domains that take one."""

from rest_framework import serializers

from crm_core.segments.models import ParameterType


class ParameterSerializer(serializers.Serializer):
    key = serializers.CharField(required=False, allow_blank=True)
    label = serializers.CharField()  # type: ignore[assignment]  # the API's field names
    type = serializers.ChoiceField(choices=ParameterType.choices)
    required = serializers.BooleanField(default=False)  # type: ignore[assignment]
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    currency = serializers.CharField(required=False)
