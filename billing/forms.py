from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import Plan, Subscription


class CheckoutForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=_("Plan"),
        queryset=Plan.objects.filter(is_public=True, is_trial=False),
        to_field_name="code",
        empty_label=None,
    )
    interval = forms.ChoiceField(
        label=_("Billing"), choices=Subscription.Interval.choices, initial="month"
    )
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=10_000, initial=1)


class SeatsForm(forms.Form):
    seats = forms.IntegerField(label=_("Paid seats"), min_value=1, max_value=10_000)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), min_value=0, decimal_places=2, max_digits=16)
