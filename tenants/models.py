from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from tenants.services.template import schema_create_from_snapshot
from tenants.snapshot import TemplateSnapshot as TemplateSnapshot  # registered with the app here


class Tenant(TenantMixin):
    """A subscribing company: one PostgreSQL schema."""

    name = models.CharField(_("company name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = False
    # The template holds configuration rows (role groups) but never users or sessions.
    clone_mode = "DATA"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Replay the template snapshot when there is a current one (see services.template)."""

        if check_if_exists and schema_exists(self.schema_name):
            return False
        if sync_schema and schema_create_from_snapshot(self.schema_name):
            return True
        return super().create_schema(check_if_exists, sync_schema, verbosity)


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


DOMAIN_RECORD_PREFIX = "_tenantly"
DOMAIN_RECORD_VALUE_PREFIX = "tenantly-verification="


class CustomDomain(models.Model):
    """A host name of the company's own (``shop.example.com``) for its portal.

    It routes to the company (a ``Domain`` row) only once a DNS TXT record proves that the
    company controls it: until then, anyone could claim a name they do not own."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the DNS record")
        VERIFIED = "verified", _("verified")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="custom_domains")
    domain = models.CharField(_("domain"), max_length=253)
    token = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Mailed portal links (sign-up, password, replies to requests) use this address.
    is_portal_address = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_error = models.CharField(max_length=300, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    # a verified domain whose record the daily re-check stopped finding, since when
    record_missing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "domain"], name="custom_domain_once"),
            models.UniqueConstraint(
                fields=["domain"],
                condition=models.Q(status="verified"),
                name="custom_domain_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def record_name(self) -> str:
        """Where the company puts the TXT record that proves it holds the domain."""
        return f"{DOMAIN_RECORD_PREFIX}.{self.domain}"

    @property
    def record_value(self) -> str:
        return f"{DOMAIN_RECORD_VALUE_PREFIX}{self.token}"
