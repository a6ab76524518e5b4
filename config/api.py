"""API conventions shared by every endpoint: JSON errors with a message per field."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def django_validation_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): list(messages)
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


def is_api_request(request) -> bool:
    """Whether the REST API answers this request (in JSON, also when no route matches)."""
    return request.path.startswith("/api/")


class StrictSerializer(serializers.Serializer):
    """Input that refuses the fields it does not know, each named in a 400, instead of dropping
    them: a misspelt field must not look saved."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


# The largest id PostgreSQL's bigint holds; a larger number is no record's.
MAX_ID = 2**63 - 1


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError from services, in one JSON shape.

    Field errors: `{"field": ["message", ...]}`; anything else: `{"detail": "message"}`. A
    record saved by someone else since the caller read it (a ValidationError with the code
    "conflict") is a 409.
    """
    if isinstance(exc, DjangoValidationError) and getattr(exc, "code", None) == "conflict":
        return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        return Response(django_validation_error_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def filter_by_ids(queryset, params, names: tuple[str, ...]):
    """Narrow `queryset` by `?<name>=<id>` query parameters, refusing ids that are not numbers."""
    for name in names:
        value = params.get(name)
        if value:
            if not value.isdigit():
                raise DjangoValidationError({name: ["Use an id (a number)."]})
            queryset = queryset.filter(**{f"{name}_id": int(value)})
    return queryset


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema with unique component names: a serializer nested in a view
    (`CartApi.InputSerializer`) is named after its view, and the portal's own serializers get
    a `Portal` prefix, so that no two components share a name in the OpenAPI document."""

    def get_serializer_name(self, serializer, direction) -> str:
        cls = type(serializer)
        name = cls.__qualname__.replace(".", "")
        if cls.__module__.startswith("portal."):
            name = f"Portal{name}"
        return name

    def get_operation_id(self) -> str:
        """A keyset page (`config.pagination.paginated`) is a list, as a list serializer is:
        `v1_contacts_list`, not a second `v1_contacts_retrieve`."""
        operation_id = super().get_operation_id()
        if self.method == "GET" and getattr(self.get_response_serializers(), "keyset_page", False):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id


# --- The OpenAPI document tells every answer an operation can give -------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'An error: `{"detail": "message"}`, or for invalid input a list of messages per '
        'field (`{"email": ["Enter a valid email address."]}`).'
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
ERROR = OpenApiResponse(response=OpenApiTypes.OBJECT, description="Refused, with the reason.")
# Answers any operation may give, besides its own.
COMMON_ERRORS = {
    "400": "Invalid input (a message per field), or a malformed body or query.",
    "401": "Not signed in: no token or session, or a wrong or revoked token.",
    "403": "Your role may not do this.",
    "404": "No such record, or none you may see.",
    "429": "Too many calls: the plan's calls per minute, or the limit for anonymous calls "
    "(see Retry-After).",
}


def common_errors_hook(result, generator, request, public):
    """drf-spectacular post-processing: the shared Error component, the answers every
    operation may give, and `version` required wherever a PATCH takes it."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
            if method == "patch":
                _version_required(operation, schemas)
    return result


def _version_required(operation: dict, schemas: dict) -> None:
    for media in operation.get("requestBody", {}).get("content", {}).values():
        reference = media.get("schema", {}).get("$ref", "")
        component = schemas.get(reference.rsplit("/", 1)[-1])
        if component and "version" in component.get("properties", {}):
            required = component.setdefault("required", [])
            if "version" not in required:
                required.append("version")
            operation["requestBody"]["required"] = True
