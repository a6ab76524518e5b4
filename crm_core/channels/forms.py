"""The channels' settings forms: the phone system and the staff's lines."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.channels.models import Telephony, WebForm
from crm_core.channels.webforms import FORM_FIELDS
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


class WebFormForm(forms.ModelForm):
    """A web form's settings; its fields and rules come as rows of their own (see the view)."""

    owners = forms.ModelMultipleChoiceField(
        label=_("Colleagues who get its clients"),
        queryset=owners_assignable(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    class Meta:
        model = WebForm
        fields = [*FORM_FIELDS, "owners"]
        widgets = {
            "thank_you": forms.Textarea(attrs={"rows": 2}),
            "consent_text": forms.TextInput(),
        }
        help_texts = {
            "segment": _("Its parameters can be asked on the form (save to see them below)."),
            "consent_text": _("Blank: no consent checkbox."),
            "redirect_url": _("Instead of the thank-you text, the visitor's page goes on here."),
            "campaign": _("Credited when the visitor's link names no campaign (utm_campaign)."),
        }


class WebFormAnswers(forms.Form):
    """A visitor's answers to a web form: built from the form's own fields."""

    def __init__(self, web_form: WebForm, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for item in web_form.fields:
            widget = (
                forms.Textarea(attrs={"rows": 4})
                if item["target"] == "message"
                else forms.EmailInput()
                if item["target"] == "email"
                else forms.TextInput(attrs={"type": "tel"})
                if item["target"] == "phone"
                else forms.TextInput()
            )
            self.fields[item["target"]] = forms.CharField(
                label=item["label"], required=item["required"], widget=widget
            )
        if web_form.ask_email_consent:
            self.fields["consent_email"] = forms.BooleanField(
                label=_("Send me news and offers by email"), required=False
            )
        if web_form.ask_sms_consent:
            self.fields["consent_sms"] = forms.BooleanField(
                label=_("Send me news and offers by SMS"), required=False
            )
        if web_form.consent_text:
            self.fields["consent"] = forms.BooleanField(label=web_form.consent_text, required=True)
