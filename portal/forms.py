from django import forms
from django.utils.translation import gettext_lazy as _

from crm_core.commerce.models import PaymentMethod, Product
from crm_core.parties.models import Contact
from crm_core.support.models import SupportTopic, Ticket
from portal.models import ADDRESS_FIELDS, Address, CustomerAccount, PortalBranding
from portal.services.accounts import unverified_customer, verification_send
from tenants.identity.forms import LoginForm, PasswordSetMixin
from tenants.identity.models import User
from tenants.identity.roles import STAFF_ROLES


class PortalLoginForm(LoginForm):
    error_messages = {
        **LoginForm.error_messages,
        "unverified": _(
            "Confirm your email first: open the link we sent to %(email)s. "
            "We have just sent it again."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            self._unverified_check()
            raise

    def _unverified_check(self) -> None:
        """A right password on an account still waiting for its email link says so (and
        mails the link again) instead of a plain "wrong password"."""

        email = (self.cleaned_data.get("username") or "").lower()
        user = unverified_customer(email=email)
        if user and user.check_password(self.cleaned_data.get("password") or ""):
            verification_send(user=user)
            raise forms.ValidationError(
                self.error_messages["unverified"], code="unverified", params={"email": email}
            )


class SignupForm(PasswordSetMixin):
    full_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    accept = forms.BooleanField(
        label=_("I agree that the company keeps my data to serve my orders and requests.")
    )

    field_order = ["full_name", "email", "password", "accept"]


class ActivateForm(PasswordSetMixin):
    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def user_for_password_check(self) -> User:
        return self.user


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "birthday",
            "language",
            "preferred_channel",
            "consent_email",
            "consent_sms",
            "consent_calls",
        ]
        widgets = {
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "language": forms.Select(
                choices=[("", _("Browser default")), ("en", "English"), ("ru", "Русский")]
            ),
        }
        labels = {
            "consent_email": _("Send me news and offers by email"),
            "consent_sms": _("Send me SMS messages"),
            "consent_calls": _("You may call me"),
            "preferred_channel": _("How I prefer to be contacted"),
        }


class PhoneForm(forms.Form):
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)


class AddressForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = ADDRESS_FIELDS


class EmailChangeForm(forms.Form):
    email = forms.EmailField(label=_("New email"))
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This is not your password."))
        return password


class CheckoutForm(forms.Form):
    address = forms.ModelChoiceField(
        label=_("Deliver to"), queryset=Address.objects.none(), widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes for the order"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.CARD,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, account: CustomerAccount, card_payments: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not card_payments:
            del self.fields["payment_method"]
        else:
            # The choice sits in its own card, outside the <form> element it belongs to.
            self.fields["payment_method"].widget.attrs.update(
                {"form": "checkout-form", "class": "form-check-input"}
            )
        addresses = Address.objects.filter(contact_id=account.contact_id)
        self.fields["address"].queryset = addresses
        self.fields["address"].empty_label = None
        default = addresses.first()
        if default and not self.is_bound:
            self.initial["address"] = default.pk

    def clean_payment_method(self) -> str:
        return self.cleaned_data.get("payment_method") or PaymentMethod.INVOICE


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(FilesField, self).clean(item, initial) for item in files]


class RequestForm(forms.Form):
    topic = forms.ModelChoiceField(
        label=_("What is it about?"), queryset=SupportTopic.objects.filter(is_active=True)
    )
    subject = forms.CharField(label=_("Subject"), max_length=255, required=False)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = FilesField(
        label=_("Files"), help_text=_("Up to 3 files of 10 MB: PDF, images, documents.")
    )


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = FilesField(label=_("Files"))


class BrandingForm(forms.ModelForm):
    class Meta:
        model = PortalBranding
        fields = ["logo", "primary_color", "accent_color", "welcome", "signup_open", "manager"]
        widgets = {
            "primary_color": forms.TextInput(attrs={"type": "color"}),
            "accent_color": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = User.objects.filter(role__in=STAFF_ROLES, is_active=True)

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and getattr(logo, "size", 0) > 1024 * 1024:
            raise forms.ValidationError(_("A logo is at most 1 MB."))
        return logo


class SupportTopicForm(forms.ModelForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices)

    class Meta:
        model = SupportTopic
        fields = ["name", "priority", "position", "is_active"]


class RecommendationsForm(forms.Form):
    products = forms.ModelMultipleChoiceField(
        label=_("Recommended products"),
        queryset=Product.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class CustomDomainForm(forms.Form):
    domain = forms.CharField(
        label=_("Your domain"),
        max_length=300,
        help_text=_("A host name of your own, such as shop.example.com."),
        widget=forms.TextInput(attrs={"placeholder": "shop.example.com", "autocomplete": "off"}),
    )
