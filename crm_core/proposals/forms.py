from decimal import Decimal
from typing import cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm_core.commerce.models import Product
from crm_core.parties.models import Contact
from crm_core.proposals.models import (
    DocumentTemplate,
    GateOverride,
    OfferItem,
    Proposal,
    Questionnaire,
)
from crm_core.proposals.selectors import SCORED_TYPES, card_field_choices
from crm_core.segments.models import Segment


class CardRuleForm(forms.Form):
    fields_required = forms.MultipleChoiceField(
        label=_("Card fields"), required=False, widget=forms.CheckboxSelectMultiple
    )
    parameters_required = forms.MultipleChoiceField(
        label=_("Segment parameters"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, segment: Segment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["fields_required"]).choices = card_field_choices(
            segment
        )
        cast(forms.ChoiceField, self.fields["parameters_required"]).choices = [
            (item["key"], item["label"]) for item in segment.parameters
        ]


class OverrideForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"), choices=GateOverride.Step.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class TermForm(forms.Form):
    parameter = forms.ChoiceField(label=_("Parameter"), required=False)
    weight = forms.CharField(label=_("Points per unit"), max_length=30, required=False)
    cap = forms.CharField(label=_("At most"), max_length=30, required=False)

    def __init__(self, *args, segment: Segment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["parameter"]).choices = [("", "—")] + [
            (item["key"], item["label"])
            for item in segment.parameters
            if item["type"] in SCORED_TYPES
        ]


TermFormSet = forms.formset_factory(TermForm, extra=2)


class ClassesForm(forms.Form):
    classes = forms.CharField(
        label=_("Classes"),
        max_length=200,
        required=False,
        help_text=_("Each class from the score it starts at, e.g. A=70, B=40, C=0."),
    )


def need_choices(questionnaire: Questionnaire | None) -> list[tuple[str, str]]:
    """A matrix row's condition: every client, or one answer of a choice or yes/no question."""
    choices = [("", str(_("Every client of the segment")))]
    for question in questionnaire.questions if questionnaire else []:
        answers = (
            question["choices"]
            if question["type"] in ("choice", "multi_choice")
            else ["yes", "no"]
            if question["type"] == "boolean"
            else []
        )
        choices += [
            (f"{question['key']}={answer}", f"{question['label']}: {answer}") for answer in answers
        ]
    return choices


class OfferRowForm(forms.Form):
    need = forms.ChoiceField(label=_("When the needs card says"), required=False)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False
    )
    importance = forms.ChoiceField(
        label=_("Mark"),
        choices=OfferItem.Importance.choices,
        initial=OfferItem.Importance.RECOMMENDED,
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.001"), initial=1, localize=True
    )

    def __init__(self, *args, questionnaire: Questionnaire | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["need"]).choices = need_choices(questionnaire)


OfferRowFormSet = forms.formset_factory(OfferRowForm, extra=3)


class ProposalForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=255)
    contact = forms.ModelChoiceField(label=_("To"), queryset=Contact.objects.none(), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    message = forms.CharField(
        label=_("Message to the client"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, proposal: Proposal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["contact"])
        if proposal.company_id:
            field.queryset = Contact.objects.filter(company_id=proposal.company_id)
        else:
            del self.fields["contact"]


class LineForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True), required=False
    )
    quantity = forms.DecimalField(label=_("Quantity"), required=False, localize=True)
    discount = forms.DecimalField(
        label=_("Discount, %"), required=False, localize=True, min_value=0, max_value=100
    )
    importance = forms.CharField(widget=forms.HiddenInput, required=False)


LineFormSet = forms.formset_factory(LineForm, extra=2)


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DocumentTemplateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentTemplate.Kind.choices)
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.all(),
        required=False,
        empty_label=_("Every segment"),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    name = forms.CharField(label=_("Name"), max_length=120)
    body = forms.CharField(
        label=_("Template"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            "HTML with merge fields {{ client.name }} and blocks {% if … %} … {% endif %}, "
            "{% for line in lines %} … {% endfor %}: the document's content on the shared A4 "
            "page, or a whole page of its own (<html>…</html>)."
        ),
    )
    docx = forms.FileField(
        label=_("Word layout (DOCX)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument"}
        ),
        help_text=_(
            "For proposals: a .docx with the same merge fields, {%tr for line in lines %} … "
            "{%tr endfor %} around a table row; the proposal's DOCX download uses it. "
            "Without one, the built-in layout applies."
        ),
    )
    docx_remove = forms.BooleanField(label=_("Remove the Word layout"), required=False)

    def service_data(self) -> dict:
        """The service's data: the Word layout uploaded, removed (False) or kept (absent)."""
        data = dict(self.cleaned_data)
        upload, remove = data.pop("docx", None), data.pop("docx_remove", False)
        if upload:
            data["docx"] = upload
        elif remove:
            data["docx"] = False
        return data


class PlacementForm(forms.Form):
    field = forms.ChoiceField(label=_("Card field"), required=False)
    op = forms.ChoiceField(
        label=_("Test"),
        choices=[
            ("equals", _("equals")),
            ("contains", _("contains")),
            ("filled", _("is filled in")),
        ],
    )
    value = forms.CharField(label=_("Value"), max_length=200, required=False)

    def __init__(self, *args, segment: Segment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["field"]).choices = [("", "—")] + list(
            card_field_choices(segment)
        )


PlacementFormSet = forms.formset_factory(PlacementForm, extra=2)
