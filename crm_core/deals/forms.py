from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.common.forms import LookupSelect
from crm_core.common.visibility import can_assign_owners
from crm_core.deals.models import PipelineStage
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
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, pipeline, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = cast(dict[str, forms.ModelChoiceField], self.fields)
        choices["stage"].queryset = pipeline.stages.all()
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
