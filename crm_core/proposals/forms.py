from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.proposals.models import GateOverride
from crm_core.proposals.selectors import card_field_choices
from crm_core.segments.models import Segment


class CardRuleForm(forms.Form):
    fields_required = forms.MultipleChoiceField(
        label=_("Card fields"), required=False, widget=forms.CheckboxSelectMultiple
    )
    parameters_required = forms.MultipleChoiceField(
        label=_("Segment parameters"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, segment: Segment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["fields_required"]).choices = card_field_choices(
            segment
        )
        cast(forms.ChoiceField, self.fields["parameters_required"]).choices = [
            (item["key"], item["label"]) for item in segment.parameters
        ]


class OverrideForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=GateOverride.Step.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)
