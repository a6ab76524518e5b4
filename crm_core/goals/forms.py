from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from crm_core.analytics.selectors import metrics_all
from crm_core.goals.models import BonusPlan, Goal
from tenants.identity.models import User
from tenants.identity.roles import STAFF_ROLES, Role

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


class PlanForm(forms.Form):
    """A bonus plan's own fields; its components come from `ComponentFormSet`."""

    name = forms.CharField(label=_("Name"), max_length=120)
    basis = forms.ChoiceField(label=_("Counts sales"), choices=BonusPlan.Basis.choices)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)
    people = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=User.objects.none(), required=False
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=[(role.value, role.label) for role in Role if role in STAFF_ROLES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cap = forms.CharField(label=_("The most a month pays"), required=False, max_length=30)
    gates = forms.CharField(
        label=_("Gates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "One per line, “metric: the least share of its goal”, e.g. calls: 70: under it the "
            "month pays nothing."
        ),
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["people"].queryset = people


class ComponentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Pays"),
        choices=[
            ("", "—"),
            ("commission", _("A commission on sales")),
            ("attainment", _("A bonus by attainment")),
        ],
        required=False,
    )
    name = forms.CharField(label=_("Name"), required=False, max_length=120)
    base = forms.ChoiceField(
        label=_("On"),
        choices=[("revenue", _("Revenue")), ("margin", _("Margin"))],
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Tiers"),
        choices=[
            ("marginal", _("Marginal: each rate on its part")),
            ("bracket", _("Brackets: the total's rate on all of it")),
        ],
        required=False,
    )
    tiers = forms.CharField(
        label=_("Rate table"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One tier per line, “from–to: rate %”, the last “from+: rate %”, e.g. "
            "0–100000: 3 and 100000+: 5."
        ),
    )
    metric = forms.ChoiceField(label=_("Goal's metric"), choices=(), required=False)
    bonus = forms.CharField(label=_("On-target bonus"), required=False, max_length=30)
    levels = forms.CharField(
        label=_("Curve"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One point per line, “attainment %: pays %”, e.g. 80: 80, 100: 100, 150: 200 "
            "(nothing below the first point)."
        ),
    )
    cap = forms.CharField(label=_("Cap"), required=False, max_length=30)
    team = forms.BooleanField(label=_("On the team's figures"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", "—"), *metric_choices()]
        # which are needed depends on what the component pays (the plan check names them)
        for field in self.fields.values():
            field.conditional = True

    def has_changed(self) -> bool:
        """Always read: a row shown as it was saved is still part of the plan."""
        return True


ComponentFormSet = forms.formset_factory(ComponentForm, extra=2, max_num=12)


def _pairs(text: str, separator: str = ":") -> list[tuple[str, str]]:
    return [
        tuple(part.strip() for part in line.split(separator, 1))  # type: ignore[misc]
        for line in text.replace(",", "\n").splitlines()
        if line.strip() and separator in line
    ]


def tiers_from_text(text: str) -> list[dict]:
    """“0–100000: 3” / “100000+: 5” lines as a rate table (checked by plan_check)."""
    tiers = []
    for span, rate in _pairs(text):
        span = span.replace("—", "-").replace("–", "-").replace(" ", "")
        if span.endswith("+"):
            tiers.append({"from": span[:-1], "to": None, "rate": rate.rstrip("%").strip()})
        else:
            low, _dash, high = span.partition("-")
            tiers.append({"from": low, "to": high or None, "rate": rate.rstrip("%").strip()})
    return tiers


def tiers_as_text(tiers: list[dict]) -> str:
    return "\n".join(
        f"{tier['from']}+: {tier['rate']}"
        if tier["to"] is None
        else f"{tier['from']}–{tier['to']}: {tier['rate']}"
        for tier in tiers
    )


def levels_from_text(text: str) -> list[dict]:
    return [
        {"at": at.rstrip("%").strip(), "pays": pays.rstrip("%").strip()}
        for at, pays in _pairs(text)
    ]


def levels_as_text(levels: list[dict]) -> str:
    return "\n".join(f"{level['at']}: {level['pays']}" for level in levels)


def gates_from_text(text: str) -> list[dict]:
    return [
        {"metric": metric, "min_share": share.rstrip("%").strip()} for metric, share in _pairs(text)
    ]


def gates_as_text(gates: list[dict]) -> str:
    return "\n".join(f"{gate['metric']}: {gate['min_share']}" for gate in gates)


def components_from(formset) -> list[dict]:
    """The filled rows of the components' formset as plan_check reads them."""
    parts = []
    for form in formset.forms:
        data = form.cleaned_data if form.is_valid() else {}
        if not data.get("kind"):
            continue
        part = {"kind": data["kind"], "name": data.get("name", ""), "team": data.get("team", False)}
        if data.get("cap"):
            part["cap"] = data["cap"]
        if data["kind"] == "commission":
            part |= {
                "base": data.get("base") or "revenue",
                "mode": data.get("mode") or "marginal",
                "tiers": tiers_from_text(data.get("tiers", "")),
            }
        else:
            part |= {
                "metric": data.get("metric", ""),
                "bonus": data.get("bonus", ""),
                "levels": levels_from_text(data.get("levels", "")),
            }
        parts.append(part)
    return parts


def component_initial(components: list[dict]) -> list[dict]:
    return [
        {
            "kind": part["kind"],
            "name": part["name"],
            "team": part.get("team", False),
            "cap": part.get("cap") or "",
            "base": part.get("base", "revenue"),
            "mode": part.get("mode", "marginal"),
            "tiers": tiers_as_text(part.get("tiers", [])),
            "metric": part.get("metric", ""),
            "bonus": part.get("bonus", ""),
            "levels": levels_as_text(part.get("levels", [])),
        }
        for part in components
    ]


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class SplitForm(forms.Form):
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none(), required=False)
    share = forms.DecimalField(label=_("Share, %"), max_digits=5, decimal_places=2, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("revenue", _("Revenue split")), ("overlay", _("Overlay"))],
        required=False,
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields["person"].queryset = people
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = str(field.label)

    def has_changed(self) -> bool:
        """Always read: a split shown as it was saved is still part of the credit."""
        return True


SplitFormSet = forms.formset_factory(SplitForm, extra=2, max_num=10)
