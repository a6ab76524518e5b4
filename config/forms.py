"""What HTML views share about forms."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError


def errors_into(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: each field's messages under that field,
    messages for fields the form does not have (or for no field) above it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def errors_to_messages(request, errors: Mapping[str, Iterable], labels: Mapping[str, Any]) -> None:
    """Say a form's (or a service's) field errors as messages on the next page, each with
    its field's label: for a form posted from another page that redirects back."""
    for field, problems in errors.items():
        label = labels.get(field) or field
        messages.error(request, f"{label}: {' '.join(map(str, problems))}")


def form_labels(form) -> dict[str, Any]:
    return {name: field.label for name, field in form.fields.items()}


def error_to_messages(request, error: ValidationError) -> None:
    """Say each message of a service's refusal on the next page (a form posted from a page
    that redirects back)."""
    for message in error.messages:
        messages.error(request, message)
