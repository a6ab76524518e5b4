from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from crm_core.common.models import OwnedRecord
from crm_core.parties.models import Company, Contact

# Fields a stage may require before a deal enters it (stage gates).
GATE_FIELDS = {
    "amount": _("amount"),
    "expected_close": _("expected close date"),
    "contact": _("contact"),
    "company": _("company"),
    "description": _("description"),
    "lost_reason": _("lost reason"),
    "products": _("products"),
}

# The list's sort keys (crm_core.deals.selectors.DEAL_ORDERING), indexed as they are written. A
# keyset page needs a value in every row: a deal with no close date sorts after every dated one,
# one with no amount as zero.
CLOSE_KEY = Coalesce(F("expected_close"), Value(date(9999, 12, 31)))
AMOUNT_KEY = Coalesce(F("amount"), Value(Decimal(0)))


class Pipeline(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(default=0)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class PipelineStage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(default=0)
    probability = models.PositiveSmallIntegerField(_("win probability, %"), default=10)
    is_won = models.BooleanField(_("won"), default=False)
    is_lost = models.BooleanField(_("lost"), default=False)
    required_fields = models.JSONField(_("required to enter"), default=list, blank=True)
    required_products = models.ManyToManyField(
        "crm_core.Product",
        verbose_name=_("products required to enter"),
        blank=True,
        related_name="+",
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_per_pipeline")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def required_labels(self) -> list[str]:
        return [str(GATE_FIELDS[name]) for name in self.required_fields if name in GATE_FIELDS]


class ForecastCategory(models.TextChoices):
    """How sure the owner is of an open deal (a forecast's columns). Blank: from its stage's
    probability (90 % and up commit, 50 % and up best case, below that pipeline)."""

    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    OMITTED = "omitted", _("Omitted")


def forecast_category_of(chosen: str, probability: int) -> str:
    if chosen:
        return chosen
    if probability >= 90:
        return ForecastCategory.COMMIT
    if probability >= 50:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


class Deal(OwnedRecord):
    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(
        PipelineStage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="deals"
    )
    amount = models.DecimalField(
        _("amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    expected_close = models.DateField(_("expected close date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=255, blank=True)
    forecast_category = models.CharField(
        _("forecast category"),
        max_length=10,
        choices=ForecastCategory.choices,
        blank=True,
        help_text=_("Blank: from the stage's probability."),
    )
    stage_entered_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    board_position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["board_position", "-id"]
        indexes = [
            models.Index(fields=["pipeline", "stage", "board_position"]),
            models.Index(fields=["owner", "stage"]),
            models.Index(fields=["team", "stage"]),
            models.Index(fields=["contact"]),
            models.Index(fields=["company"]),
            # the list's sorts (crm_core.deals.selectors.DEAL_ORDERING)
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx"),
            models.Index(fields=["-updated_at", "-id"], name="deal_updated_idx"),
            models.Index(fields=["title", "id"], name="deal_title_idx"),
            models.Index(CLOSE_KEY, F("id"), name="deal_close_date_idx"),
            models.Index(AMOUNT_KEY, F("id"), name="deal_amount_value_idx"),
            # the same sorts within what a rep (owner) or a head of sales (team) sees, and the
            # close date filter (bench/deals_list.py: without them a rep's page sorted 25,000
            # rows of a million for each request)
            models.Index(fields=["owner", "-created_at", "-id"], name="deal_owner_created_idx"),
            models.Index(fields=["team", "-created_at", "-id"], name="deal_team_created_idx"),
            models.Index(F("owner"), CLOSE_KEY, F("id"), name="deal_owner_close_idx"),
            models.Index(F("team"), CLOSE_KEY, F("id"), name="deal_team_close_idx"),
            models.Index(F("owner"), AMOUNT_KEY, F("id"), name="deal_owner_amount_idx"),
            models.Index(F("team"), AMOUNT_KEY, F("id"), name="deal_team_amount_idx"),
            models.Index(fields=["expected_close"], name="deal_expected_close_idx"),
            # the analytics' won and lost deals of a period (bench/analytics.py)
            models.Index(fields=["closed_at"], name="deal_closed_idx"),
        ]

    @property
    def forecast_label(self) -> str:
        """Its forecast category, the chosen one or the one its stage's probability gives."""
        return str(
            ForecastCategory(
                forecast_category_of(self.forecast_category, self.stage.probability)
            ).label
        )

    def __str__(self) -> str:
        return self.title


class DealMove(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="moves")
    from_stage = models.ForeignKey(
        PipelineStage, null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(PipelineStage, on_delete=models.PROTECT, related_name="+")
    moved_at = models.DateTimeField(auto_now_add=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-moved_at", "-id"]
        indexes = [models.Index(fields=["deal", "-moved_at"])]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"


class DealLine(models.Model):
    """A product in a deal: quantity and the unit price agreed (from the client's price list
    unless someone typed another), which together make the deal's amount."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "crm_core.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount_percent = models.DecimalField(
        _("discount, %"), max_digits=5, decimal_places=2, default=0
    )
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class CreditSplit(models.Model):
    """Who a won deal's revenue is credited to: the owner when it was won (100 %), or the
    splits a manager set (revenue splits total 100 %; overlay splits come on top)."""

    class Kind(models.TextChoices):
        REVENUE = "revenue", _("Revenue split")
        OVERLAY = "overlay", _("Overlay")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="credit_splits")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_splits"
    )
    share = models.DecimalField(_("share, %"), max_digits=5, decimal_places=2)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.REVENUE)

    class Meta:
        ordering = ["deal", "-share", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "person", "kind"], name="one_split_each"),
            models.CheckConstraint(
                condition=models.Q(share__gt=0, share__lte=100), name="split_share_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.person_id} {self.share} %"
