from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.models import Company, Contact, LifecycleStage, ParameterType, Segment
from crm_core.selectors.parties import owners_assignable


class ListField(forms.CharField):
    """Several values, one per line (or separated by commas) → a list of strings."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value) or ""
        return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class LookupSelect(forms.Select):
    """A select over a table that may hold a million rows: it renders only the chosen option,
    and typing in its search box asks the server (`lookup_url`) for the best matches."""

    template_name = "components/lookup_select.html"

    def __init__(self, url_name: str, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name

    def optgroups(self, name, value, attrs=None):
        full = self.choices
        chosen = [item for item in value if item not in (None, "")]
        queryset = full.queryset.filter(pk__in=chosen) if chosen else full.queryset.none()
        self.choices = [("", "—")] + [
            (obj.pk, full.field.label_from_instance(obj)) for obj in queryset
        ]
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = full

    def get_context(self, name, value, attrs):
        from django.urls import reverse

        context = super().get_context(name, value, attrs)
        context["widget"]["lookup_url"] = reverse(self.url_name)
        return context


class OwnedRecordForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=owners_assignable(), required=False, empty_label=_("Me")
    )
    lifecycle_stage = forms.ModelChoiceField(
        label=_("Lifecycle stage"), queryset=LifecycleStage.objects.all(), required=False
    )
    emails = ListField(label=_("Emails"), required=False, help_text=_("One per line."))
    phones = ListField(
        label=_("Phones"), required=False, help_text=_("One per line, in any format.")
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, can_assign: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_assign:
            del self.fields["owner"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data.pop("allow_duplicate", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


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


class CompanyForm(OwnedRecordForm):
    name = forms.CharField(label=_("Name"), max_length=255)
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
    ]


def initial_from(record, form_class) -> dict:
    initial = {
        name: getattr(record, name)
        for name in form_class.base_fields
        if hasattr(record, name) and name != "allow_duplicate"
    }
    initial["version"] = record.version
    return initial


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"))
    direction = forms.ChoiceField(label=_("Direction"), required=False)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=None, required=False)
    outcome = forms.ModelChoiceField(label=_("Outcome"), queryset=None, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=255, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    follow_up_at = forms.DateTimeField(
        label=_("Follow-up task"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("For the contact's manager."),
    )
    attachments = MultipleFileField(
        label=_("Files"), required=False, help_text=_("Up to 10 files, 20 MB each.")
    )

    def __init__(self, *args, **kwargs):
        from crm_core.models import Channel, Direction, InteractionOutcome, InteractionTopic

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = Channel.choices
        self.fields["direction"].choices = Direction.choices
        self.fields["topic"].queryset = InteractionTopic.objects.filter(is_active=True)
        self.fields["outcome"].queryset = InteractionOutcome.objects.filter(is_active=True)


class StageForm(forms.ModelForm):
    class Meta:
        model = LifecycleStage
        fields = ["name", "position", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class TopicForm(forms.ModelForm):
    class Meta:
        from crm_core.models import InteractionTopic

        model = InteractionTopic
        fields = ["name", "position", "is_active"]


class OutcomeForm(forms.ModelForm):
    class Meta:
        from crm_core.models import InteractionOutcome

        model = InteractionOutcome
        fields = ["name", "position", "moves_to_stage", "rule", "is_active"]


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    applies_to = forms.ChoiceField(label=_("For"), choices=Segment.AppliesTo.choices)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ParameterForm(forms.Form):
    label = forms.CharField(label=_("Parameter"), max_length=120, required=False)
    key = forms.CharField(label=_("Key"), max_length=40, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=ParameterType.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    choices = forms.CharField(
        label=_("Choices"), required=False, help_text=_("For choices: comma-separated.")
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, required=False)


ParameterFormSet = forms.formset_factory(ParameterForm, extra=3)


def segment_values_form(segment: Segment, *args, **kwargs) -> forms.Form:
    """A form with one field per parameter of the segment, validated by type."""
    fields: dict[str, forms.Field] = {}
    for parameter in segment.parameters:
        options = {"label": parameter["label"], "required": parameter["required"]}
        kind = parameter["type"]
        if kind == ParameterType.NUMBER:
            field = forms.DecimalField(**options, localize=True)
        elif kind == ParameterType.MONEY:
            options["label"] = f"{parameter['label']}, {parameter.get('currency', '')}"
            field = forms.DecimalField(**options, localize=True, decimal_places=2)
        elif kind == ParameterType.DATE:
            field = forms.DateField(**options, widget=forms.DateInput(attrs={"type": "date"}))
        elif kind == ParameterType.CHOICE:
            field = forms.ChoiceField(
                **options, choices=[("", "—")] + [(c, c) for c in parameter["choices"]]
            )
        elif kind == ParameterType.MULTI_CHOICE:
            field = forms.MultipleChoiceField(
                **options,
                choices=[(c, c) for c in parameter["choices"]],
                widget=forms.CheckboxSelectMultiple,
            )
        elif kind == ParameterType.BOOLEAN:
            field = forms.BooleanField(label=parameter["label"], required=False)
        else:
            field = forms.CharField(**options, max_length=500)
        fields[parameter["key"]] = field
    form_class = type("SegmentValuesForm", (forms.Form,), fields)
    return form_class(*args, **kwargs)


def segment_values_from_form(form: forms.Form) -> dict:
    values = {}
    for key, value in form.cleaned_data.items():
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value.__class__.__name__ == "Decimal":
            value = str(value)
        values[key] = value
    return values


class DealForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("Title"), max_length=255)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=None)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, required=False, localize=True
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="RUB")
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=None, required=False, widget=LookupSelect("contact_lookup")
    )
    company = forms.ModelChoiceField(
        label=_("Company"), queryset=None, required=False, widget=LookupSelect("company_lookup")
    )
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=owners_assignable(), required=False, empty_label=_("Me")
    )
    lost_reason = forms.CharField(label=_("Lost reason"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, pipeline, editing: bool = False, **kwargs):
        from crm_core.selectors.parties import companies_visible, contacts_visible
        from crm_core.selectors.visibility import can_assign_owners

        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = pipeline.stages.all()
        self.fields["contact"].queryset = contacts_visible(user=user).filter(archived_at=None)
        self.fields["company"].queryset = companies_visible(user=user).filter(archived_at=None)
        if editing:
            del self.fields["stage"]
        if not can_assign_owners(user):
            del self.fields["owner"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("owner") is None:
            data.pop("owner", None)
        return data


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=255)
    due_at = forms.DateTimeField(
        label=_("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    remind_at = forms.DateTimeField(
        label=_("Remind me"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        coerce=int,
        initial=1,
        choices=[(0, _("Low")), (1, _("Normal")), (2, _("High"))],
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=owners_assignable(), required=False, empty_label=_("Me")
    )
    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        widget=LookupSelect("contact_lookup"),
    )
    description = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, user, **kwargs):
        from crm_core.selectors.parties import contacts_visible
        from crm_core.selectors.visibility import can_assign_owners

        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts_visible(user=user).filter(archived_at=None)
        if not can_assign_owners(user):
            del self.fields["assignee"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    encoding = forms.ChoiceField(label=_("Encoding"), initial="auto")
    delimiter = forms.ChoiceField(label=_("Delimiter"), required=False)
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.none(),
        required=False,
        help_text=_("Put every imported record in this segment and map its parameters."),
    )
    owner = forms.ModelChoiceField(
        label=_("Owner of the new records"),
        queryset=owners_assignable(),
        required=False,
        empty_label=_("Me"),
        help_text=_("Unless the file has an owner column."),
    )
    duplicates = forms.ChoiceField(label=_("Rows that match an existing record"))

    def __init__(self, *args, kind: str, can_assign: bool, **kwargs):
        from crm_core.jobs.imports.files import DELIMITERS, ENCODINGS
        from crm_core.models import ImportJob
        from crm_core.selectors.segments import segments_for

        super().__init__(*args, **kwargs)
        self.fields["encoding"].choices = ENCODINGS
        self.fields["delimiter"].choices = DELIMITERS
        self.fields["duplicates"].choices = ImportJob.Duplicates.choices
        self.fields["segment"].queryset = segments_for(kind)
        if not can_assign:
            del self.fields["owner"]
