from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists


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
        from tenants.services.template import schema_create_from_snapshot

        if check_if_exists and schema_exists(self.schema_name):
            return False
        if sync_schema and schema_create_from_snapshot(self.schema_name):
            return True
        return super().create_schema(check_if_exists, sync_schema, verbosity)


class TemplateSnapshot(models.Model):
    """SQL that recreates the migrated tenant template schema (see services.template)."""

    fingerprint = models.CharField(max_length=64)
    sql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"template snapshot {self.fingerprint}"


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
