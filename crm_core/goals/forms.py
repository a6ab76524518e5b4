from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from crm_core.analytics.selectors import metrics_all
from crm_core.goals.models import Goal
from tenants.identity.models import User

DATE = forms.DateInput(attrs={"type": "date"})


def metric_choices() -> list[tuple[str, str]]:
    return [(key, str(metric.label)) for key, metric in metrics_all().items()]


class GoalForm(forms.Form):
    """A goal's fields; the service checks what fits together (and who may set it)."""

    metric = forms.ChoiceField(label=_("Metric"), choices=metric_choices)
    level = forms.ChoiceField(label=_("For"), choices=Goal.Level.choices)
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=_("Team"), queryset=User.objects.none(), required=False)
    period_kind = forms.ChoiceField(label=_("Period"), choices=Goal.PeriodKind.choices)
    day = forms.DateField(
        label=_("A day in the period"),
        required=False,
        widget=DATE,
        help_text=_("The month, quarter, half-year or year that holds this day (today if empty)."),
    )
    period_start = forms.DateField(label=_("First day"), required=False, widget=DATE)
    period_end = forms.DateField(label=_("Last day"), required=False, widget=DATE)
    target = forms.CharField(label=_("Target"), required=False, max_length=30)
    team_target = forms.ChoiceField(
        label=_("A team's target"), choices=Goal.TeamTarget.choices, required=False
    )
    ramp = forms.CharField(
        label=_("Ramp-up for a new hire, % by month"),
        required=False,
        max_length=120,
        help_text=_(
            "E.g. 25, 50, 75: a quarter of the target in the first month, half in the "
            "second, three quarters in the third, then all of it."
        ),
    )

    def __init__(self, *args, people=None, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
        if teams is not None:
            self.fields["team"].queryset = teams
        # needed or not by what else is chosen (the service says which is missing): not
        # marked "optional"
        for name in ("person", "team", "target", "period_start", "period_end"):
            self.fields[name].conditional = True

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["team_target"] = data.get("team_target") or Goal.TeamTarget.OWN
        if data["period_kind"] != Goal.PeriodKind.CUSTOM:
            data.pop("period_start")
            data.pop("period_end")
        else:
            data.pop("day")
        return data


class FiscalYearForm(forms.Form):
    fiscal_year_start = forms.TypedChoiceField(
        label=_("The fiscal year starts in"), choices=list(MONTHS.items()), coerce=int
    )
