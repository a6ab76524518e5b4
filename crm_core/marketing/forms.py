from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from crm_core.marketing.models import Audience, Campaign, Consent, Mailing
from crm_core.parties.filters import ContactFilter
from crm_core.parties.models import TIME_ZONES

# the contact list's filters an audience is made of, in the order the form shows them
AUDIENCE_FILTERS = (
    "segment",
    "lifecycle_stage",
    "owner",
    "company",
    "is_vip",
    "value_segment",
    "churn_risk",
    "offer",
)


class AudienceForm(forms.Form):
    """An audience's name and consent, and the contact list's own filter fields; the filters
    chosen are kept as the list's query string (segment parameters come through the API)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    consent = forms.ChoiceField(
        label=_("Only those who agreed to"),
        required=False,
        choices=[("", _("Anyone (no consent needed)")), *Consent.choices],
    )

    def __init__(self, *args, audience: Audience | None = None, **kwargs) -> None:
        if audience is not None and "initial" not in kwargs:
            saved = QueryDict(audience.query)
            kwargs["initial"] = {
                "name": audience.name,
                "consent": audience.consent,
                **{key: saved.get(key) for key in AUDIENCE_FILTERS if saved.get(key)},
            }
        super().__init__(*args, **kwargs)
        self.kept = QueryDict(audience.query).copy() if audience is not None else QueryDict()
        filters = ContactFilter(queryset=None).form.fields
        for key in AUDIENCE_FILTERS:
            self.fields[key] = filters[key]
            self.fields[key].required = False

    def service_data(self) -> dict:
        chosen = {}
        for key in AUDIENCE_FILTERS:
            value = self.cleaned_data.get(key)
            if value in (None, ""):
                continue
            if isinstance(value, bool):
                chosen[key] = "true" if value else "false"
            else:
                chosen[key] = str(getattr(value, "pk", value))
        # the segment's parameter filters set through the API stay while the segment does
        if chosen.get("segment") == self.kept.get("segment"):
            chosen.update({k: str(v) for k, v in self.kept.items() if k.startswith("p.")})
        return {
            "name": self.cleaned_data["name"],
            "consent": self.cleaned_data.get("consent") or "",
            "query": urlencode(chosen),
        }


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    kind = forms.ChoiceField(label=_("Kind"), choices=Campaign.Kind.choices)
    status = forms.ChoiceField(label=_("Status"), choices=Campaign.Status.choices)
    starts_on = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    budget = forms.DecimalField(label=_("Budget"), required=False, decimal_places=2)
    actual_cost = forms.DecimalField(label=_("Actual cost"), required=False, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    audience = forms.ModelChoiceField(
        label=_("Audience"), queryset=Audience.objects.all(), required=False
    )
    utm_campaign = forms.CharField(
        label=_("UTM campaign"),
        required=False,
        max_length=80,
        help_text=_("utm_campaign of its links; made from the name when left empty."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("budget", "actual_cost"):
            if data[key] is None:
                data[key] = 0
        return data


class MailingForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(
        label=_("Message"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace", "spellcheck": "false"}),
        help_text=_(
            "HTML with merge fields: {{ contact.first_name }}, {{ contact.last_name }}, "
            "{{ contact.full_name }}, {{ company.name }}, {{ campaign.name }}, "
            "{{ sender.name }}, {{ unsubscribe_url }}. The plain-text part is made from it."
        ),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    from_name = forms.CharField(
        label=_("Sender's name"),
        required=False,
        max_length=120,
        help_text=_("The company's name when left empty."),
    )
    subject_b = forms.CharField(
        label=_("Subject B"),
        required=False,
        max_length=255,
        help_text=_("An A/B test: variant B's subject, its message, or both (blank: as A)."),
    )
    body_b = forms.CharField(
        label=_("Message B"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace", "spellcheck": "false"}),
    )
    test_share = forms.IntegerField(
        label=_("Share in the test, %"),
        required=False,
        min_value=0,
        max_value=90,
        help_text=_("A and B go to this share of the recipients, half each; 0: no test."),
    )
    winner_by = forms.ChoiceField(
        label=_("Winner by"), choices=Mailing.WinnerBy.choices, required=False
    )
    test_hours = forms.IntegerField(
        label=_("Test for, hours"),
        required=False,
        min_value=1,
        max_value=168,
        help_text=_("Then the better variant goes to the rest."),
    )

    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the time zone below; blank: when you press Send."),
    )
    window_from = forms.IntegerField(
        label=_("Arrives from, hour"),
        required=False,
        min_value=0,
        max_value=23,
        help_text=_("Of each recipient's own day (their time zone, else the one below)."),
    )
    window_to = forms.IntegerField(
        label=_("Until, hour"), required=False, min_value=1, max_value=24
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of recipients without their own"),
        choices=[(name, name) for name in TIME_ZONES],
        required=False,
    )

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["test_share"] = data["test_share"] or 0
        data["test_hours"] = data["test_hours"] or 4
        data["winner_by"] = data["winner_by"] or Mailing.WinnerBy.OPENS
        return self.scheduled(data)

    @staticmethod
    def scheduled(data: dict) -> dict:
        """The time zone (the default one when none is chosen), and the time to send at as
        the wall-clock time typed in it."""
        data["time_zone"] = data["time_zone"] or Mailing.DEFAULT_TIME_ZONE
        if data["send_at"] is not None:
            data["send_at"] = data["send_at"].replace(tzinfo=ZoneInfo(data["time_zone"]))
        return data


class SmsForm(MailingForm):
    """An SMS mailing: its text and sender, language and schedule (no subject, no A/B test)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("subject", "subject_b", "body_b", "test_share", "winner_by", "test_hours"):
            del self.fields[name]
        self.fields["body"].widget.attrs["rows"] = 5
        self.fields["body"].help_text = _(
            "Plain text with merge fields: {{ contact.first_name }}, {{ contact.last_name }}, "
            "{{ contact.full_name }}, {{ company.name }}, {{ campaign.name }}, "
            "{{ sender.name }}. Up to 160 Latin or 70 Cyrillic characters go in one message; "
            "a longer text in several parts."
        )
        self.fields["from_name"].label = _("Sender")
        self.fields["from_name"].help_text = _(
            "A number or up to 11 Latin letters and digits, as the provider registered it; "
            "blank: the platform's."
        )

    def service_data(self) -> dict:
        defaults = {"subject": "", "test_share": 0, "test_hours": 4, "winner_by": "opens"}
        return self.scheduled({**defaults, **self.cleaned_data, "channel": Mailing.Channel.SMS})


class PreferencesForm(forms.Form):
    email = forms.BooleanField(label=_("Emails"), required=False)
    sms = forms.BooleanField(label=_("SMS"), required=False)
    calls = forms.BooleanField(label=_("Calls"), required=False)
