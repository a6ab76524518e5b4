from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.jobs.imports.files import DELIMITERS, ENCODINGS
from crm_core.jobs.models import ImportJob
from crm_core.parties.selectors import owners_assignable
from crm_core.segments.models import Segment
from crm_core.segments.selectors import segments_for


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or XLSX; the first row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, initial="auto")
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS, required=False)
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
    duplicates = forms.ChoiceField(
        label=_("Rows that match an existing record"), choices=ImportJob.Duplicates.choices
    )

    def __init__(self, *args, kind: str, can_assign: bool, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["segment"]).queryset = segments_for(kind)
        if not can_assign:
            del self.fields["owner"]
