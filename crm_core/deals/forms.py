from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.commerce.models import Product
from crm_core.common.forms import LookupSelect
from crm_core.common.visibility import can_assign_owners
from crm_core.deals.models import GATE_FIELDS, ForecastCategory, PipelineStage
from crm_core.deals.pipelines import stages_active
from crm_core.parties.models import Company, Contact
from crm_core.parties.selectors import companies_visible, contacts_visible, owners_assignable


class DealForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=255)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=PipelineStage.objects.none())
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, required=False, localize=True
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="RUB")
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        widget=LookupSelect("contact_lookup"),
    )
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        widget=LookupSelect("company_lookup"),
    )
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=owners_assignable(), required=False, empty_label=_("Me")
    )
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=255, required=False)
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"),
        required=False,
        choices=[("", _("From the stage's probability")), *ForecastCategory.choices],
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, pipeline, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = cast(dict[str, forms.ModelChoiceField], self.fields)
        choices["stage"].queryset = stages_active(pipeline)
        choices["contact"].queryset = contacts_visible(user=user).filter(archived_at=None)
        choices["company"].queryset = companies_visible(user=user).filter(archived_at=None)
        if editing:
            del self.fields["stage"]
        if not can_assign_owners(user):
            del self.fields["owner"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class PipelineSettingsForm(forms.Form):
    name = forms.CharField(label=_("Pipeline"), max_length=120)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="RUB")


class StageSettingsForm(forms.Form):
    OPEN, WON, LOST = "open", "won", "lost"

    name = forms.CharField(label=_("Stage"), max_length=120)
    probability = forms.IntegerField(label=_("Win probability, %"), min_value=0, max_value=100)
    outcome = forms.ChoiceField(
        label=_("Closes the deal"),
        choices=[(OPEN, _("No, open")), (WON, _("Won")), (LOST, _("Lost"))],
        initial=OPEN,
    )
    required_fields = forms.MultipleChoiceField(
        label=_("Required to enter"),
        choices=list(GATE_FIELDS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    required_products = forms.ModelMultipleChoiceField(
        label=_("Products required to enter"),
        queryset=Product.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )

    @classmethod
    def initial_of(cls, stage: PipelineStage) -> dict:
        outcome = cls.WON if stage.is_won else cls.LOST if stage.is_lost else cls.OPEN
        return {
            "name": stage.name,
            "probability": stage.probability,
            "outcome": outcome,
            "required_fields": stage.required_fields,
            "required_products": list(stage.required_products.all()),
        }

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        outcome = data.pop("outcome")
        data["is_won"], data["is_lost"] = outcome == self.WON, outcome == self.LOST
        data["required_products"] = list(data["required_products"])
        return data
