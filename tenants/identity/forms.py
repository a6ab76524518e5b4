from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from tenants.identity.models import Team, User
from tenants.identity.roles import INVITABLE_ROLES, Role


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class PasswordSetMixin(forms.Form):
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "At least 12 characters and hard to guess: no common words, repeats or keyboard rows."
        ),
    )

    def user_for_password_check(self) -> User:
        return User(
            email=self.cleaned_data.get("email", ""),
            full_name=self.cleaned_data.get("full_name", ""),
        )

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, user=self.user_for_password_check())
        return password


class InvitationAcceptForm(PasswordSetMixin):
    full_name = forms.CharField(label=_("Your name"), max_length=200)

    field_order = ["full_name", "password"]

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def user_for_password_check(self) -> User:
        return User(email=self.email, full_name=self.cleaned_data.get("full_name", ""))


def _role_choices():
    return [(role.value, role.label) for role in INVITABLE_ROLES]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)


class UserRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_role_choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    since = forms.DateField(
        label=_("In this team since"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the team changes: the day the move took effect (today if empty)."),
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=120)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("— top level (a department) —"),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("Where it is used, e.g. “Website form” or “1C sync”."),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "language"]
        widgets = {
            "language": forms.Select(
                choices=[("", _("Browser default")), ("en", "English"), ("ru", "Русский")]
            )
        }


__all__ = ["Role"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
