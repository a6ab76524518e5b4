from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.segments.models import ParameterType, Segment


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    applies_to = forms.ChoiceField(label=_("For"), choices=Segment.AppliesTo.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ParameterForm(forms.Form):
    label = forms.CharField(label=_("Parameter"), max_length=120, required=False)
    key = forms.CharField(label=_("Key"), max_length=40, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=ParameterType.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"), required=False, help_text=_("For choices: comma-separated.")
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)


def segment_values_form(segment: Segment, *args, **kwargs) -> forms.Form:
    """A form with one field per parameter of the segment, validated by type."""
    return parameters_form(segment.parameters, *args, **kwargs)


def parameters_form(parameters: list[dict], *args, **kwargs) -> forms.Form:
    """A form with one field per parameter of a schema (a segment's parameters, a needs
    card's questions), validated by type."""
    fields: dict[str, forms.Field] = {}
    for parameter in parameters:
        options = {"label": parameter["label"], "required": parameter["required"]}
        kind = parameter["type"]
        field: forms.Field
        if kind == ParameterType.NUMBER:
            field = forms.DecimalField(**options, localize=True)
        elif kind == ParameterType.MONEY:
            options["label"] = f"{parameter['label']}, {parameter.get('currency', '')}"
            field = forms.DecimalField(**options, localize=True, decimal_places=2)
        elif kind == ParameterType.DATE:
            field = forms.DateField(**options, widget=forms.DateInput(attrs={"type": "date"}))
        elif kind == ParameterType.CHOICE:
            field = forms.ChoiceField(
                **options, choices=[("", "—")] + [(c, c) for c in parameter["choices"]]
            )
        elif kind == ParameterType.MULTI_CHOICE:
            field = forms.MultipleChoiceField(
                **options,
                choices=[(c, c) for c in parameter["choices"]],
                widget=forms.CheckboxSelectMultiple,
            )
        elif kind == ParameterType.BOOLEAN:
            field = forms.BooleanField(label=parameter["label"], required=False)
        else:
            field = forms.CharField(**options, max_length=500)
        fields[parameter["key"]] = field
    form_class = type("SegmentValuesForm", (forms.Form,), fields)
    return form_class(*args, **kwargs)


def segment_values_from_form(form: forms.Form) -> dict:
    values = {}
    for key, value in form.cleaned_data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value.__class__.__name__ == "Decimal":
            value = str(value)
        values[key] = value
    return values


ParameterFormSet = forms.formset_factory(ParameterForm, extra=3)
