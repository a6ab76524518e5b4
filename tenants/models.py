from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


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


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
