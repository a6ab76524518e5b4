"""The gates before a proposal: what a client's card must hold (per segment), the needs and
expectations card (a questionnaire per segment, versioned) and its answers, and the overrides
an owner or administrator records with a reason."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_core.commerce.models import Product
from crm_core.common.models import OwnedRecord
from crm_core.parties.models import Company, Contact
from crm_core.segments.models import Segment


class CardRule(models.Model):
    """What a card of the segment must hold before its needs are asked: fields of the card
    and the segment's own parameters ("primary" ones)."""

    segment = models.OneToOneField(Segment, on_delete=models.CASCADE, related_name="card_rule")
    fields = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    parameters = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.segment}: {', '.join([*self.fields, *self.parameters])}"


class Questionnaire(models.Model):
    """One version of a segment's needs and expectations card. `questions` has the shape of a
    segment's parameters ({"key", "label", "type", "required", "choices", "currency"}); a
    change of the questions is a new version, and the cards answered earlier stay with theirs."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="questionnaires")
    version = models.PositiveIntegerField()
    questions = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["segment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "version"], name="questionnaire_version")
        ]

    def __str__(self) -> str:
        return f"{self.segment} v{self.version}"


class NeedsCard(models.Model):
    """A client's answers to their segment's needs questionnaire (a contact's or a
    company's): the latest answers, with the version they answered."""

    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="needs_card"
    )
    company = models.OneToOneField(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="needs_card"
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)
    filled_at = models.DateTimeField(_("filled"))
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, company=None)
                | models.Q(company__isnull=False, contact=None),
                name="needscard_one_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.company}: {self.questionnaire}"


class GateOverride(models.Model):
    """A step of the way to a proposal passed by an owner or administrator without its
    condition being met, with their reason."""

    class Step(models.TextChoices):
        SEGMENT = "segment", _("Segment chosen")
        CARD = "card", _("Card complete")
        NEEDS = "needs", _("Needs recorded")

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="gate_overrides"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="gate_overrides"
    )
    step = models.CharField(max_length=10, choices=Step.choices)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, company=None)
                | models.Q(company__isnull=False, contact=None),
                name="gateoverride_one_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact or self.company}: {self.step}"


class PotentialRule(models.Model):
    """How a segment's client's potential is scored from its parameters: each term gives
    `weight` points per unit of a number or money parameter (or for a "yes"), up to its `cap`;
    the classes (e.g. A from 70 points, B from 40, C below) name the score."""

    segment = models.OneToOneField(Segment, on_delete=models.CASCADE, related_name="potential_rule")
    # [{"parameter": key, "weight": "0.00001", "cap": "40" or None}]
    terms = models.JSONField(default=list)
    # [{"name": "A", "from": "70"}, ...], highest first; below the last: no class
    classes = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.segment}: {len(self.terms)} terms"


class OfferItem(models.Model):
    """A cell of the segment's offer matrix: a product to offer the segment's clients (whose
    needs card gave `answer` to `question`; both empty: every client of the segment), marked
    required, recommended or optional, with its default quantity."""

    class Importance(models.TextChoices):
        REQUIRED = "required", _("Required")
        RECOMMENDED = "recommended", _("Recommended")
        OPTIONAL = "optional", _("Optional")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="offer_items")
    question = models.CharField(max_length=40, blank=True)
    answer = models.CharField(max_length=200, blank=True)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    importance = models.CharField(
        max_length=12, choices=Importance.choices, default=Importance.RECOMMENDED
    )
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["segment", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "question", "answer", "product"], name="one_offer_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.segment}: {self.question}={self.answer} -> {self.product}"


def accepted_document_path(proposal: "Proposal", filename: str) -> str:
    # relative to the company's own media folder (the default storage adds the schema)
    return f"proposals/{proposal.number}/{filename}"


class DocumentSequence(models.Model):
    """The last number given to a kind of document in a year: numbering per type and year
    (P-2026-0001, then P-2027-0001)."""

    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="one_sequence")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class DiscountLimit(models.Model):
    """The largest discount (percent, on any line) a proposal owned by someone of this role
    may carry without the head of sales' approval."""

    role = models.CharField(_("role"), max_length=20, unique=True)
    max_percent = models.DecimalField(
        _("discount without approval, %"), max_digits=5, decimal_places=2
    )

    def __str__(self) -> str:
        return f"{self.role}: {self.max_percent}%"


class Proposal(OwnedRecord):
    """A commercial proposal to a client (a contact or a company, optionally for a deal):
    lines at the client's price list with a discount each, prefilled from the segment's offer
    matrix; a discount above the owner's role's limit waits for a head of sales' approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Approval(models.TextChoices):
        NONE = "", _("Not asked")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=255)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    deal = models.ForeignKey(
        "crm_core.Deal",
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price_list = models.ForeignKey(
        "crm_core.PriceList", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    message = models.TextField(_("message to the client"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    subtotal = models.DecimalField(
        _("before discounts"), max_digits=16, decimal_places=2, default=0
    )
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2, default=0)
    max_discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, blank=True, default=""
    )
    # the largest discount the approval (asked or given) covers
    approval_discount = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    approval_asked_at = models.DateTimeField(null=True, blank=True)
    approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_at = models.DateTimeField(null=True, blank=True)
    approval_comment = models.TextField(_("comment"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # the key in the customer's link: a new sending makes a new one, and the old links die
    link_key = models.CharField(max_length=43, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    first_viewed_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    last_viewed_at = models.DateTimeField(_("last opened"), null=True, blank=True)
    decline_reason = models.TextField(_("reason to decline"), blank=True)
    # the acceptance: the name typed, when, from where, and the exact document accepted
    accepted_name = models.CharField(_("accepted by"), max_length=200, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    accepted_agent = models.CharField(max_length=300, blank=True)
    document_hash = models.CharField(_("SHA-256 of the document"), max_length=64, blank=True)
    accepted_document = models.FileField(upload_to=accepted_document_path, blank=True)
    order = models.ForeignKey(
        "crm_core.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["team", "-created_at"]),
            models.Index(fields=["contact", "-created_at"]),
            models.Index(fields=["company", "-created_at"]),
            models.Index(
                fields=["approval"],
                condition=models.Q(approval="pending"),
                name="proposal_pending_approval",
            ),
        ]
        constraints = [
            # the client is the company when there is one (the contact: the person it goes
            # to), else the contact
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(company__isnull=False),
                name="proposal_has_client",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def client(self) -> Contact | Company:
        return self.company or self.contact  # type: ignore[return-value]


class ProposalLine(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    # how the offer matrix marked it ("" for a product added by hand)
    importance = models.CharField(
        max_length=12, choices=OfferItem.Importance.choices, blank=True, default=""
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("discount, %"), max_digits=5, decimal_places=2, default=0)
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


def template_docx_path(template: "DocumentTemplate", filename: str) -> str:
    # relative to the company's own media folder (the default storage adds the schema)
    return f"document-templates/{uuid.uuid4()}/{filename}"


class DocumentTemplate(models.Model):
    """A template of a document (a proposal, a contract, an invoice, an act) for a segment (or
    every segment) in one language: HTML with merge fields and conditional blocks (Jinja
    syntax, run in a sandbox), rendered to PDF; refused on save when a field is unknown or the
    syntax broken, with the line."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        CONTRACT = "contract", _("Contract")
        INVOICE = "invoice", _("Invoice")
        ACT = "act", _("Act of completed work")
        DELIVERY_NOTE = "delivery_note", _("Delivery note")

    kind = models.CharField(_("document"), max_length=16, choices=Kind.choices)
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document_templates",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("template"))
    # a proposal's own Word layout (docxtpl tags), for its DOCX; else the built-in layout
    docx = models.FileField(
        _("Word layout"), upload_to=template_docx_path, max_length=255, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "segment__name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "segment", "language"],
                name="one_template_per_segment",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlacementRule(models.Model):
    """When a client belongs to the segment, by its card: every condition ({"field", "op":
    equals, contains or filled, "value"}) holds. The first segment (in the segments' order)
    whose rule holds is the one the rules place a client in."""

    segment = models.OneToOneField(Segment, on_delete=models.CASCADE, related_name="placement")
    conditions = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.segment}: {len(self.conditions)} conditions"


def document_path(document: "Document", filename: str) -> str:
    # relative to the company's own media folder (the default storage adds the schema)
    return f"documents/{document.kind}/{document.number}/v{document.version}/{filename}"


class Document(models.Model):
    """A document made from a proposal (the proposal itself, a contract, an invoice, an act,
    a delivery note): its PDF kept, numbered per kind and year; made again, it is a new
    version under the same number."""

    kind = models.CharField(_("document"), max_length=16, choices=DocumentTemplate.Kind.choices)
    number = models.CharField(_("number"), max_length=24)
    version = models.PositiveIntegerField(_("version"), default=1)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="documents")
    deal = models.ForeignKey(
        "crm_core.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    file = models.FileField(upload_to=document_path, max_length=255)
    sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField(_("pages"), default=0)
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number", "version"], name="one_version")
        ]
        indexes = [
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["contact", "-created_at"]),
            models.Index(fields=["deal", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} v{self.version}"


def package_path(package: "DocumentPackage", filename: str) -> str:
    # relative to the company's own media folder (the default storage adds the schema)
    return f"documents/packages/{package.uuid}/{filename}"


class DocumentPackage(models.Model):
    """Several documents of a proposal (a deal's contract, invoice, act...) made together by a
    worker, each kept as a `Document`, and handed over as one ZIP; the page shows its
    progress document by document."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Making the documents")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(unique=True)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="packages")
    deal = models.ForeignKey(
        "crm_core.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kinds = models.JSONField(default=list)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)  # documents to make
    done = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=package_path, max_length=255, blank=True)
    filename = models.CharField(max_length=255)
    problem = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)  # of the messages
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # when a worker started making it (crm_core.jobs.running.running)
    running_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("document package")
        verbose_name_plural = _("document packages")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def kind_labels(self) -> list[str]:
        return [str(DocumentTemplate.Kind(kind).label) for kind in self.kinds]
