from django.db import models
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from crm_core.common.requisites import Requisites


class WorkspaceSettings(Requisites):
    """Per-company settings of the CRM (one row), and the company's own requisites: the seller
    on its invoices."""

    base_currency = models.CharField(_("base currency"), max_length=3, default="RUB")
    # the month the company's fiscal year begins: goals' quarters, halves and years follow it
    fiscal_year_start = models.PositiveSmallIntegerField(
        _("fiscal year starts in"),
        default=1,
        choices=[(month, month_name) for month, month_name in MONTHS.items()],
    )
    # what a customer's acceptance of a proposal makes: an order, the deal won, or both
    proposal_acceptance = models.CharField(
        _("an accepted proposal makes"),
        max_length=8,
        default="order",
        choices=[
            ("order", _("an order")),
            ("deal", _("its deal won (an order without a deal)")),
            ("both", _("an order, and its deal won")),
        ],
    )
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    signatory = models.CharField(_("signs invoices"), max_length=255, blank=True)

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
