import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm_core.common.models import OwnedRecord
from crm_core.parties.models import Company, Contact


def product_image_path(product: "Product", filename: str) -> str:
    # relative to the tenant's own media folder (the default storage adds the schema); a new
    # folder per upload, so a replaced image is never served from a cache under the old name
    return f"products/{product.pk}/{uuid.uuid4().hex}/{filename}"


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    category = models.CharField(_("category"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    # what a unit costs the company, in its base currency: the margin of prices and sales
    cost_price = models.DecimalField(
        _("cost price"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    image = models.ImageField(_("image"), upload_to=product_image_path, max_length=255, blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"

    @property
    def image_key(self) -> str:
        """What tells one upload of the picture from the next (its folder): a page's address
        of the picture carries it, so a reader's cache never shows the replaced one."""
        parts = (self.image.name or "").split("/")
        return parts[2] if len(parts) > 3 else ""


class PriceList(models.Model):
    """Prices in one currency, for one segment or as the default."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    segment = models.ForeignKey(
        "crm_core.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class Price(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    amount = models.DecimalField(_("price"), max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="one_price_per_list")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.amount}"


class PaymentMethod(models.TextChoices):
    INVOICE = "invoice", _("Pay on invoice")
    CARD = "card", _("Card (Stripe)")


class RecommendedProduct(models.Model):
    """The recommended-products matrix: what to offer each segment's clients."""

    segment = models.ForeignKey(
        "crm_core.Segment", on_delete=models.CASCADE, related_name="recommended_products"
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "product"], name="one_recommendation")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}: {self.product_id}"


class Order(OwnedRecord):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        RETURNED = "returned", _("Returned")

    class Source(models.TextChoices):
        STAFF = "staff", _("Staff")
        PORTAL = "portal", _("Portal")

    number = models.CharField(_("number"), max_length=20, unique=True)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="orders"
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.STAFF
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    shipping_address = models.TextField(_("delivery address"), blank=True)
    payment_method = models.CharField(
        _("payment"), max_length=8, choices=PaymentMethod.choices, blank=True
    )
    placed_at = models.DateTimeField(_("placed"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-created_at"]),
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["team", "-created_at"]),
            # the analytics' revenue of a period (bench/analytics.py)
            models.Index(fields=["paid_at"], name="order_paid_idx"),
        ]

    def __str__(self) -> str:
        return self.number


# the statuses of an order that count as revenue: paid, and on its way or delivered
REVENUE_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class Payment(models.Model):
    """A card payment of an order, taken by Stripe Checkout on the company's connected account."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Not completed")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    refunded = models.DecimalField(_("refunded"), max_digits=16, decimal_places=2, default=0)
    checkout_session_id = models.CharField(max_length=255, unique=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.amount} {self.currency} ({self.status})"

    @property
    def refundable(self):
        return self.amount - self.refunded

    @property
    def is_received(self) -> bool:
        """The money came in and is not all given back yet."""
        return self.status in (self.Status.PAID, self.Status.PARTIALLY_REFUNDED)


class ClientValue(models.Model):
    """A client's value from their paid orders, kept current as orders are paid (and re-scored
    hourly, as recency moves with the calendar): RFM scores 1-5 by quintile, the segment they
    make, lifetime revenue and margin in the base currency, and churn risk (no purchase for
    more than twice the client's usual interval)."""

    class Segment(models.TextChoices):
        CHAMPIONS = "champions", _("Champions")
        LOYAL = "loyal", _("Loyal")
        NEW = "new", pgettext_lazy("client segment", "New")
        POTENTIAL = "potential", _("Promising")
        AT_RISK = "at_risk", _("At risk")
        LOST = "lost", pgettext_lazy("client segment", "Lost")
        ATTENTION = "attention", _("Need attention")

    contact = models.OneToOneField(
        Contact, primary_key=True, on_delete=models.CASCADE, related_name="value"
    )
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    margin = models.DecimalField(max_digits=18, decimal_places=2, null=True)
    first_order_at = models.DateTimeField(null=True)
    last_order_at = models.DateTimeField(null=True)
    usual_interval_days = models.FloatField(null=True)
    recency_score = models.PositiveSmallIntegerField(default=0)
    frequency_score = models.PositiveSmallIntegerField(default=0)
    monetary_score = models.PositiveSmallIntegerField(default=0)
    segment = models.CharField(max_length=10, choices=Segment.choices, blank=True)
    churn_risk = models.BooleanField(default=False)
    missing_rates = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["segment", "revenue"]),
            models.Index(fields=["churn_risk", "revenue"]),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.segment}"


class ClientValueScale(models.Model):
    """The quintile boundaries the last full scoring found (days since the last order, orders,
    revenue), used to score one client between full scorings."""

    recency = models.JSONField(default=list)
    frequency = models.JSONField(default=list)
    monetary = models.JSONField(default=list)
    scored_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"scored {self.scored_at}"
