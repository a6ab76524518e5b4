from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.analytics.metrics import MEASURES, Metric
from crm_core.analytics.sources import SOURCES


def _grouped(part: str) -> list:
    """A part's choices grouped by record type (the service checks they fit the one chosen)."""
    groups = []
    for source in SOURCES.values():
        items = getattr(source, part)
        options = [
            (key, str(value[0] if isinstance(value, tuple) else value.label))
            for key, value in items.items()
        ]
        if options:
            groups.append((str(source.label), options))
    return groups


class MetricDefinitionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    measure = forms.ChoiceField(label=_("Measure"), choices=list(MEASURES.items()))
    source = forms.ChoiceField(
        label=_("Record type"),
        required=False,
        choices=[("", "—")] + [(s.key, s.label) for s in SOURCES.values()],
    )
    date_field = forms.ChoiceField(label=_("Date it counts by"), required=False)
    person = forms.ChoiceField(label=_("Credited person"), required=False)
    conditions = forms.MultipleChoiceField(
        label=_("Only records that are"), required=False, widget=forms.CheckboxSelectMultiple
    )
    amount = forms.ChoiceField(label=_("Amount (for a sum or an average)"), required=False)
    duration = forms.ChoiceField(label=_("Duration (for an average time)"), required=False)
    numerator = forms.ChoiceField(label=_("Numerator (for a ratio)"), required=False)
    denominator = forms.ChoiceField(label=_("Denominator (for a ratio)"), required=False)
    higher_is_better = forms.BooleanField(label=_("Higher is better"), required=False, initial=True)
    description = forms.CharField(label=_("Description"), max_length=255, required=False)

    def __init__(self, *args, metrics: dict[str, Metric], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        empty = [("", "—")]
        for name, part in (
            ("date_field", "dates"),
            ("person", "people"),
            ("amount", "amounts"),
            ("duration", "durations"),
        ):
            self._choose(name, empty + _grouped(part))
        conditions: dict[str, list[str]] = {}
        for source in SOURCES.values():
            for key, (label, _q) in source.conditions.items():
                conditions.setdefault(key, []).append(f"{source.label}: {label}")
        self._choose(
            "conditions", [(key, " / ".join(labels)) for key, labels in conditions.items()]
        )
        parts = empty + [
            (key, str(metric.label)) for key, metric in metrics.items() if metric.measure != "ratio"
        ]
        self._choose("numerator", parts)
        self._choose("denominator", parts)

    def _choose(self, name: str, choices: list) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices
