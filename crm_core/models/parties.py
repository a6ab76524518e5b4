from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_core.models.base import OwnedRecord, owner_field, team_field


class LifecycleStage(models.Model):
    """A tenant-defined step of a client's life: lead, qualified, customer, ..."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    color = models.CharField(_("colour"), max_length=7, default="#6366f1")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class PartyRecord(OwnedRecord):
    """What companies and contacts share: ways to reach them, lifecycle stage, notes, and
    their segment with its parameter values.

    Foreign keys here have no index of their own: the composite indexes of both tables lead
    with them (owner, team, stage, segment, company), and every index fewer is faster imports.
    """

    owner = owner_field(db_index=False)
    team = team_field(db_index=False)

    emails = ArrayField(
        models.CharField(max_length=254), verbose_name=_("emails"), default=list, blank=True
    )
    phones = ArrayField(
        models.CharField(max_length=20), verbose_name=_("phones"), default=list, blank=True
    )
    lifecycle_stage = models.ForeignKey(
        LifecycleStage,
        verbose_name=_("lifecycle stage"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    notes = models.TextField(_("notes"), blank=True)
    segment = models.ForeignKey(
        "crm_core.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    segment_values = models.JSONField(_("segment parameters"), default=dict, blank=True)
    # the import that created the record, so that the whole import can be undone. No database
    # constraint: jobs are never deleted, and its check at commit cost a million-row import
    # three seconds (bench/import_contacts.py)
    import_job = models.ForeignKey(
        "crm_core.ImportJob",
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        db_constraint=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["import_job"],
                condition=models.Q(import_job__isnull=False),
                name="%(class)s_import_job_idx",
            )
        ]


class Company(PartyRecord):
    """A counterparty: a client, distributor or partner company."""

    name = models.CharField(_("name"), max_length=255)
    legal_name = models.CharField(_("legal name"), max_length=255, blank=True)
    tax_id = models.CharField(_("tax id"), max_length=32, blank=True)
    industry = models.CharField(_("industry"), max_length=120, blank=True)
    website = models.URLField(_("website"), blank=True)
    legal_address = models.TextField(_("legal address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        indexes = PartyRecord.Meta.indexes + [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["team", "name"]),
            models.Index(fields=["owner", "-created_at", "-id"]),
            models.Index(fields=["team", "-created_at", "-id"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(fields=["tax_id"]),
            models.Index(fields=["segment", "name"]),
            models.Index(fields=["lifecycle_stage", "name"]),
            GinIndex(
                fields=["segment_values"],
                name="company_segment_values_gin",
                opclasses=["jsonb_path_ops"],
            ),
            GinIndex(fields=["emails"]),
            GinIndex(fields=["phones"]),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(PartyRecord):
    """A person: a client, or someone at a client company."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        MESSENGER = "messenger", _("Messenger")
        LETTER = "letter", _("Letter")
        MEETING = "meeting", _("Meeting")

    first_name = models.CharField(_("first name"), max_length=120)
    last_name = models.CharField(_("last name"), max_length=120, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        db_index=False,
    )
    position = models.CharField(_("position"), max_length=160, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    consent_email = models.BooleanField(_("agrees to emails"), default=False)
    consent_sms = models.BooleanField(_("agrees to SMS"), default=False)
    consent_calls = models.BooleanField(_("agrees to calls"), default=False)
    is_vip = models.BooleanField(_("VIP"), default=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = PartyRecord.Meta.indexes + [
            models.Index(fields=["last_name", "id"]),
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["owner", "last_name"]),
            models.Index(fields=["team", "last_name"]),
            # every sort of the list, also within one owner's or team's records (visibility)
            models.Index(fields=["owner", "-created_at", "-id"]),
            models.Index(fields=["team", "-created_at", "-id"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(fields=["owner", "-updated_at"]),
            models.Index(fields=["team", "-updated_at"]),
            models.Index(fields=["company", "last_name"]),
            models.Index(fields=["lifecycle_stage", "last_name"]),
            models.Index(fields=["segment", "last_name"]),
            GinIndex(
                fields=["segment_values"],
                name="contact_segment_values_gin",
                opclasses=["jsonb_path_ops"],
            ),
            GinIndex(fields=["emails"]),
            GinIndex(fields=["phones"]),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return "".join(part[:1] for part in (self.first_name, self.last_name) if part).upper()
