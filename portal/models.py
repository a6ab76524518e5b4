"""The customer portal's own records: accounts of end customers, their addresses and carts, and
the company's portal branding. Orders, tickets and interactions stay in crm_core: the portal is
one more channel onto the same CRM records."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("A colour is written like #1d4ed8."))


class CustomerAccount(models.Model):
    """A portal customer: a User with the customer role, tied to exactly one CRM contact.

    A sign-up gets its contact only when its email is verified: linking an existing contact on
    an unverified address would hand a stranger that client's orders.
    """

    class Source(models.TextChoices):
        SIGNUP = "signup", _("Signed up")
        INVITATION = "invitation", _("Invited by staff")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_account"
    )
    contact = models.OneToOneField(
        "crm_core.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="portal_account",
    )
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SIGNUP)
    email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    erasure_requested_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("portal account")
        verbose_name_plural = _("portal accounts")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_ready(self) -> bool:
        return self.contact_id is not None and self.email_verified_at is not None


# What a customer fills in for an address (the portal's form and its API alike).
ADDRESS_FIELDS = [
    "label",
    "recipient",
    "line1",
    "line2",
    "city",
    "postcode",
    "country",
    "phone",
    "is_default",
]


class Address(models.Model):
    contact = models.ForeignKey(
        "crm_core.Contact", on_delete=models.CASCADE, related_name="addresses"
    )
    label = models.CharField(_("label"), max_length=60, blank=True, help_text=_("Home, office…"))
    recipient = models.CharField(_("recipient"), max_length=200)
    line1 = models.CharField(_("street and house"), max_length=255)
    line2 = models.CharField(_("apartment, floor"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=120)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    is_default = models.BooleanField(_("default address"), default=False)

    class Meta:
        ordering = ["-is_default", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return self.as_text().replace("\n", ", ")

    def as_text(self) -> str:
        lines = [
            self.recipient,
            self.line1,
            self.line2,
            " ".join(part for part in (self.postcode, self.city) if part),
            self.country,
            self.phone,
        ]
        return "\n".join(line for line in lines if line)


class CartLine(models.Model):
    """What a customer means to buy, kept in the database so it follows them across devices."""

    account = models.ForeignKey(CustomerAccount, on_delete=models.CASCADE, related_name="cart")
    product = models.ForeignKey("crm_core.Product", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "product"], name="one_cart_line_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


def logo_path(instance: PortalBranding, filename: str) -> str:
    # the default storage prefixes the tenant's schema
    return f"portal/logo/{filename}"


class PortalBranding(models.Model):
    """How the company's portal looks (one row per company)."""

    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    primary_color = models.CharField(
        _("main colour"), max_length=7, default="#4f46e5", validators=[COLOR]
    )
    accent_color = models.CharField(
        _("accent colour"), max_length=7, default="#0ea5e9", validators=[COLOR]
    )
    welcome = models.CharField(
        _("welcome line"),
        max_length=200,
        blank=True,
        help_text=_("Shown under the greeting on the portal's home page."),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible for new customers"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Owns the contacts that portal sign-ups create; the owner if empty."),
    )
    signup_open = models.BooleanField(
        _("customers may sign up"),
        default=True,
        help_text=_("When off, only customers invited by staff get an account."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("portal branding")

    def __str__(self) -> str:
        return self.primary_color

    @classmethod
    def current(cls) -> PortalBranding:
        branding = cls.objects.first()
        return branding or cls()
