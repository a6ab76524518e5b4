"""What HTML views share about forms."""

from django.core.exceptions import ValidationError


def errors_into(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: each field's messages under that field,
    messages for fields the form does not have (or for no field) above it."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
