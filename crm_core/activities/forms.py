from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.activities.models import Channel, Direction, InteractionOutcome, InteractionTopic
from crm_core.common.forms import LookupSelect, LookupSelectMultiple, MultipleFileField
from crm_core.common.visibility import can_assign_owners
from crm_core.parties.models import Contact
from crm_core.parties.selectors import contacts_visible, owners_assignable
from tenants.identity.models import User


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, required=False)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now."),
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0)
    topic = forms.ModelChoiceField(
        label=_("Topic"), queryset=InteractionTopic.objects.none(), required=False
    )
    outcome = forms.ModelChoiceField(
        label=_("Outcome"), queryset=InteractionOutcome.objects.none(), required=False
    )
    subject = forms.CharField(label=_("Subject"), max_length=255, required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    participants = forms.ModelMultipleChoiceField(
        label=_("Other participants"),
        queryset=Contact.objects.none(),
        required=False,
        widget=LookupSelectMultiple("contact_lookup"),
        help_text=_("The client's side: search by name, email or phone."),
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Colleagues"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
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

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        lists = cast(dict[str, forms.ModelChoiceField], self.fields)
        lists["participants"].queryset = contacts_visible(user=user).filter(archived_at=None)
        lists["staff"].queryset = owners_assignable()
        lists["topic"].queryset = InteractionTopic.objects.filter(is_active=True)
        lists["outcome"].queryset = InteractionOutcome.objects.filter(is_active=True)


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
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts_visible(user=user).filter(archived_at=None)
        if not can_assign_owners(user):
            del self.fields["assignee"]


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    attachments = MultipleFileField(
        label=_("Files"), required=False, help_text=_("Up to 10 files, 20 MB each.")
    )
