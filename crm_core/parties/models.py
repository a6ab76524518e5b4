from zoneinfo import available_timezones

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_core.common.models import OwnedRecord, owner_field, team_field
from crm_core.common.requisites import Requisites

# the IANA time zones a contact may be in (Etc/* and legacy aliases left out)
TIME_ZONES = sorted(
    name
    for name in available_timezones()
    if "/" in name and not name.startswith(("Etc/", "SystemV/"))
)


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

    Every index costs an import of a million rows a second or more (bench/import_contacts.py),
    so each one here serves a query that needs it:
    - foreign keys have no index of their own: the composite indexes lead with them;
    - stage, segment, company and team are indexed only where set, and a filter on one of
      them (`= x`) tells the planner so; an import of rows without them skips those indexes;
    - the team has one index: a head of sales sees `owner = me OR team = mine`, which the
      planner answers with a bitmap of the two, so sorted team indexes are never used;
    - the email and phone GIN indexes write each entry in place (no pending list), so that a
      duplicate check after a large import does not wade through its pending entries.
    The owner has no database constraint: staff are deactivated, never deleted (and the ORM
    still protects them), and checking it cost a million-row import four seconds at commit.
    """

    owner = owner_field(db_index=False, db_constraint=False)
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
    # constraint (jobs are never deleted, and its check at commit cost a million-row import
    # three seconds) and no index: an undo, rare and in the background, reads the table
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

    @staticmethod
    def indexes_by(name: str) -> list:
        """The indexes both tables have, `name` being what their lists sort by."""
        return [
            models.Index(fields=[name, "id"], name=f"%(class)s_{name}_idx"),
            models.Index(fields=["-created_at", "-id"], name="%(class)s_created_idx"),
            models.Index(fields=["-updated_at", "-id"], name="%(class)s_updated_idx"),
            models.Index(fields=["owner", name], name=f"%(class)s_owner_{name}_idx"),
            models.Index(
                fields=["owner", "-created_at", "-id"], name="%(class)s_owner_created_idx"
            ),
            models.Index(fields=["owner", "-updated_at"], name="%(class)s_owner_updated_idx"),
            models.Index(
                fields=["team"],
                condition=models.Q(team__isnull=False),
                name="%(class)s_team_idx",
            ),
            models.Index(
                fields=["lifecycle_stage", name],
                condition=models.Q(lifecycle_stage__isnull=False),
                name="%(class)s_stage_idx",
            ),
            models.Index(
                fields=["segment", name],
                condition=models.Q(segment__isnull=False),
                name="%(class)s_segment_idx",
            ),
            GinIndex(
                fields=["segment_values"],
                condition=models.Q(segment__isnull=False),
                name="%(class)s_segment_values_gin",
                opclasses=["jsonb_path_ops"],
            ),
            GinIndex(fields=["emails"], name="%(class)s_emails_gin", fastupdate=False),
            GinIndex(fields=["phones"], name="%(class)s_phones_gin", fastupdate=False),
        ]


class Company(Requisites, PartyRecord):
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
        indexes = PartyRecord.indexes_by("name") + [models.Index(fields=["tax_id"])]

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
    # an IANA name ("Europe/Moscow"): mailings' send windows follow it (blank: the mailing's)
    # (a database default too: benchmarks and bulk loads write contacts with SQL)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, default="", db_default=""
    )
    consent_email = models.BooleanField(_("agrees to emails"), default=False)
    consent_sms = models.BooleanField(_("agrees to SMS"), default=False)
    consent_calls = models.BooleanField(_("agrees to calls"), default=False)
    is_vip = models.BooleanField(_("VIP"), default=False)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = PartyRecord.indexes_by("last_name") + [
            models.Index(
                fields=["company", "last_name"],
                condition=models.Q(company__isnull=False),
                name="contact_company_idx",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def initials(self) -> str:
        return "".join(part[:1] for part in (self.first_name, self.last_name) if part).upper()
