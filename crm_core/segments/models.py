from django.db import models
from django.utils.translation import gettext_lazy as _


class ParameterType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    MONEY = "money", _("Money")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Several choices")
    BOOLEAN = "boolean", _("Yes / no")


class Segment(models.Model):
    """A group of clients with its own parameters, e.g. distributors (turnover, sales reps,
    warehouse m²) or corporate end clients (employees, offices, equipment).

    `parameters` is a list of {"key", "label", "type", "required", "choices", "currency"}.
    """

    class AppliesTo(models.TextChoices):
        COMPANIES = "company", _("Companies")
        CONTACTS = "contact", _("Contacts")
        BOTH = "both", _("Companies and contacts")

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    applies_to = models.CharField(
        _("applies to"), max_length=8, choices=AppliesTo.choices, default=AppliesTo.BOTH
    )
    parameters = models.JSONField(_("parameters"), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def applies(self, kind: str) -> bool:
        return self.applies_to in (kind, self.AppliesTo.BOTH)

    def parameter(self, key: str) -> dict | None:
        return next((item for item in self.parameters if item["key"] == key), None)
