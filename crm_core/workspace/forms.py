from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.activities.models import CallTaskRule, InteractionOutcome, InteractionTopic, Task
from crm_core.common.forms import RequisitesForm
from crm_core.parties.models import LifecycleStage


class StageForm(forms.ModelForm):
    class Meta:
        model = LifecycleStage
        fields = ["name", "position", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class TopicForm(forms.ModelForm):
    class Meta:
        model = InteractionTopic
        fields = ["name", "position", "is_active"]


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = InteractionOutcome
        fields = ["name", "position", "moves_to_stage", "rule", "is_active"]


class CallRuleForm(forms.Form):
    when = forms.ChoiceField(
        label=_("Create a task for the contact's owner"),
        choices=CallTaskRule.When.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    topics = forms.ModelMultipleChoiceField(
        label=_("Topics"),
        queryset=InteractionTopic.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    outcomes = forms.ModelMultipleChoiceField(
        label=_("Outcomes"),
        queryset=InteractionOutcome.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    due_in_hours = forms.IntegerField(label=_("Due in, hours"), min_value=1)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Task.Priority.choices, coerce=int
    )
    missed_call_minutes = forms.IntegerField(
        label=_("Call back a missed call within, minutes"),
        min_value=0,
        required=False,
        help_text=_(
            "An urgent task for the contact's owner; 0: missed calls follow the rule above."
        ),
    )

    def clean_missed_call_minutes(self) -> int:
        return self.cleaned_data.get("missed_call_minutes") or 0

    @classmethod
    def of(cls, rule: CallTaskRule, data=None) -> "CallRuleForm":
        return cls(
            data,
            prefix="call",
            initial={
                "when": rule.when,
                "topics": list(rule.topics.all()),
                "outcomes": list(rule.outcomes.all()),
                "due_in_hours": rule.due_in_hours,
                "priority": rule.priority,
                "missed_call_minutes": rule.missed_call_minutes,
            },
        )


class OwnRequisitesForm(RequisitesForm):
    legal_name = forms.CharField(label=_("Legal name"), max_length=255, required=False)
    tax_id = forms.CharField(label=_("Tax id"), max_length=32, required=False)
    legal_address = forms.CharField(
        label=_("Legal address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    signatory = forms.CharField(
        label=_("Signs invoices"),
        max_length=255,
        required=False,
        help_text=_("The name and position under the invoice."),
    )

    field_order = [
        "legal_name",
        "legal_form",
        "tax_id",
        "kpp",
        "ogrn",
        "country",
        "legal_address",
        "vat_rate",
        "signatory",
        "bank_name",
        "bic",
        "settlement_account",
        "correspondent_account",
        "iban",
        "swift",
    ]
