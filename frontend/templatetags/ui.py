import phonenumbers
from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def widget(field: forms.BoundField) -> SafeString:
    """Render a form field's widget with the design system's classes and validation state."""
    element = field.field.widget
    if isinstance(element, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(element, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    attrs = {"class": f"{css} {element.attrs.get('class', '')}".strip()}
    if field.errors:
        attrs["aria-describedby"] = f"{field.auto_id}_errors"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag(takes_context=True)
def active(context, *url_names: str) -> str:
    """'active' when the current page is one of the named URLs (for navigation links)."""
    match = getattr(context.get("request"), "resolver_match", None)
    return "active" if match and match.url_name in url_names else ""


@register.filter
def phone(value: str) -> str:
    """+79161234567 → +7 916 123-45-67 (the number's own national grouping)."""

    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
