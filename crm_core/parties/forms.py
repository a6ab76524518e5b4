from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.common.forms import LookupSelect, OwnedRecordForm, RequisitesForm
from crm_core.parties.models import TIME_ZONES, Company, Contact


class ContactForm(OwnedRecordForm):
    first_name = forms.CharField(label=_("First name"), max_length=120)
    last_name = forms.CharField(label=_("Last name"), max_length=120, required=False)
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Company.objects.none(),
        required=False,
        widget=LookupSelect("company_lookup"),
    )
    position = forms.CharField(label=_("Position"), max_length=160, required=False)
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"),
        choices=[("", "—"), *Contact.Channel.choices],
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("", "—"), ("ru", "Русский"), ("en", "English")],
        required=False,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[("", "—"), *((name, name) for name in TIME_ZONES)],
        required=False,
    )
    is_vip = forms.BooleanField(label=_("VIP"), required=False)
    consent_email = forms.BooleanField(label=_("Agrees to emails"), required=False)
    consent_sms = forms.BooleanField(label=_("Agrees to SMS"), required=False)
    consent_calls = forms.BooleanField(label=_("Agrees to calls"), required=False)
    allow_duplicate = forms.BooleanField(
        label=_("Create it anyway: it is a different person"), required=False
    )

    field_order = [
        "first_name",
        "last_name",
        "company",
        "position",
        "emails",
        "phones",
        "lifecycle_stage",
        "owner",
        "birthday",
        "preferred_channel",
        "language",
        "time_zone",
        "is_vip",
        "consent_email",
        "consent_sms",
        "consent_calls",
        "notes",
    ]

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if companies is not None:
            self.fields["company"].queryset = companies


class CompanyForm(RequisitesForm, OwnedRecordForm):
    name = forms.CharField(label=_("Company name"), max_length=255)
    legal_name = forms.CharField(label=_("Legal name"), max_length=255, required=False)
    tax_id = forms.CharField(label=_("Tax id"), max_length=32, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=120, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    legal_address = forms.CharField(
        label=_("Legal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    postal_address = forms.CharField(
        label=_("Postal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = [
        "name",
        "legal_name",
        "tax_id",
        "industry",
        "website",
        "emails",
        "phones",
        "lifecycle_stage",
        "owner",
        "legal_address",
        "postal_address",
        "notes",
        "legal_form",
        "country",
        "kpp",
        "ogrn",
        "vat_rate",
        "bank_name",
        "bic",
        "settlement_account",
        "correspondent_account",
        "iban",
        "swift",
    ]
