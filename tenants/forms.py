from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from billing.services.subscriptions import public_plans
from billing.stripe_api import billing_enabled


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
        help_text=_(
            "At least 12 characters and hard to guess: no common words, repeats or keyboard rows."
        ),
    )

    plan = forms.ChoiceField(label=_("Plan"), required=False)
    interval = forms.ChoiceField(
        label=_("Billing"),
        required=False,
        choices=[("month", _("Monthly")), ("year", _("Yearly"))],
        initial="month",
    )
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plans = public_plans()
        self.fields["plan"].choices = [(plan.code, plan.name) for plan in plans]
        self.fields["seats"].required = False
        # With billing off every company starts on the trial (see plan_for_signup): a plan
        # named in a pricing link is taken and nothing can be chosen.
        if not billing_enabled():
            for name in ("plan", "interval", "seats"):
                self.fields[name].widget = forms.HiddenInput()

    def clean_interval(self) -> str:
        return self.cleaned_data.get("interval") or "month"

    def clean_seats(self) -> int:
        return self.cleaned_data.get("seats") or 1

    @property
    def base_domain(self) -> str:
        return settings.BASE_DOMAIN
