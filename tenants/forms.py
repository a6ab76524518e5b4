from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    subdomain = forms.CharField(
        label=_("Workspace address"),
        max_length=40,
        help_text=_("Lowercase letters, digits and hyphens."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    owner_name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Work email"))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters."),
    )

    @property
    def base_domain(self) -> str:
        return settings.BASE_DOMAIN
