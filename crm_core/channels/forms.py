"""The channels' settings forms: the phone system and the staff's lines."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.channels.models import Telephony
from crm_core.parties.selectors import owners_assignable


class TelephonyForm(forms.Form):
    provider = forms.ChoiceField(label=_("Phone system"), choices=Telephony.Provider.choices)
    number = forms.CharField(
        label=_("The company's number"),
        required=False,
        help_text=_("Shown to clients on calls placed from the CRM."),
    )
    account = forms.CharField(label=_("Account SID"), required=False, max_length=64)
    token = forms.CharField(
        label=_("Auth token"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; leave blank to keep the one saved."),
    )
    lead_owner = forms.ModelChoiceField(
        label=_("Callers new to the CRM are owned by"),
        queryset=owners_assignable(),
        required=False,
        empty_label=_("The colleague who took the call, else the company's owner"),
    )

    @classmethod
    def of(cls, telephony: Telephony, data=None) -> TelephonyForm:
        return cls(
            data,
            initial={
                "provider": telephony.provider,
                "number": telephony.number,
                "account": telephony.account,
                "lead_owner": telephony.lead_owner,
            },
        )


class PhoneLineForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Colleague"), queryset=owners_assignable())
    line = forms.CharField(
        label=_("Extension or number"),
        max_length=64,
        help_text=_("As the phone system names it: 101, +7 916 123-45-67 or a softphone name."),
    )
