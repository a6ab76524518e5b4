from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm_core.parties.models import LifecycleStage
from crm_core.parties.selectors import owners_assignable


class ListField(forms.CharField):
    """Several values, one per line (or separated by commas) → a list of strings."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:  # type: ignore[override]  # a list, typed in lines
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class _Lookup:
    """What the lookup selects share: only the chosen options are rendered, and typing in the
    search box asks the server (`lookup_url`) for the best matches."""

    allow_multiple_selected: bool
    choices: Any

    def __init__(self, url_name: str, attrs=None):
        super().__init__(attrs)  # type: ignore[call-arg]
        self.url_name = url_name

    def optgroups(self, name, value, attrs=None):
        full = self.choices
        chosen = [item for item in value if item not in (None, "")]
        queryset = full.queryset.filter(pk__in=chosen) if chosen else full.queryset.none()
        blank = [] if self.allow_multiple_selected else [("", "—")]
        self.choices = blank + [(obj.pk, full.field.label_from_instance(obj)) for obj in queryset]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = full

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["lookup_url"] = reverse(self.url_name)
        return context


class LookupSelectMultiple(_Lookup, forms.SelectMultiple):
    """Several records of a big table (a meeting's participants): a search keeps the ones
    already chosen (the lookup is told their ids) and offers the matches beside them."""

    template_name = "components/lookup_select.html"


class LookupSelect(_Lookup, forms.Select):
    """A select over a table that may hold a million rows (a deal's contact)."""

    template_name = "components/lookup_select.html"


class OwnedRecordForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=owners_assignable(), required=False, empty_label=_("Me")
    )
    lifecycle_stage = forms.ModelChoiceField(
        label=_("Lifecycle stage"), queryset=LifecycleStage.objects.all(), required=False
    )
    emails = ListField(label=_("Emails"), required=False, help_text=_("One per line."))
    phones = ListField(
        label=_("Phones"), required=False, help_text=_("One per line, in any format.")
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, can_assign: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_assign:
            del self.fields["owner"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("allow_duplicate", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


def initial_from(record, form_class) -> dict:
    initial = {
        name: getattr(record, name)
        for name in form_class.base_fields
        if hasattr(record, name) and name != "allow_duplicate"
    }
    initial["version"] = record.version
    return initial


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class RequisitesForm(forms.Form):
    """The requisites' inputs, for a client company's form and the company's own details;
    crm_core.common.requisites checks them."""

    legal_form = forms.CharField(
        label=_("Legal form"),
        max_length=40,
        required=False,
        help_text=_("ООО, АО, ИП, GmbH, Ltd…"),
    )
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Two letters: RU has its INN checked, EU countries their VAT number."),
    )
    kpp = forms.CharField(label=_("KPP"), max_length=12, required=False)
    ogrn = forms.CharField(label=_("OGRN"), max_length=20, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=255, required=False)
    bic = forms.CharField(label=_("Bank's BIK"), max_length=12, required=False)
    settlement_account = forms.CharField(
        label=_("Settlement account"), max_length=30, required=False
    )
    correspondent_account = forms.CharField(
        label=_("Correspondent account"), max_length=30, required=False
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False)
    swift = forms.CharField(label=_("SWIFT code"), max_length=14, required=False)
    vat_rate = forms.DecimalField(
        label=_("VAT rate, %"),
        max_digits=5,
        decimal_places=2,
        required=False,
        localize=True,
        help_text=_("Empty: no VAT."),
    )
