from django import forms

from crm_core.activities.models import InteractionOutcome, InteractionTopic
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
