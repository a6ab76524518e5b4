from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkspaceSettings(models.Model):
    """Per-company settings of the CRM (one row)."""

    base_currency = models.CharField(_("base currency"), max_length=3, default="RUB")

    def __str__(self) -> str:
        return self.base_currency


class ExchangeRate(models.Model):
    """How much of the base currency one unit of `currency` was worth from `valid_from` on."""

    currency = models.CharField(_("currency"), max_length=3)
    valid_from = models.DateField(_("from"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=6)

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="one_rate_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate} ({self.valid_from})"
