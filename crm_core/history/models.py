"""History: field changes of records, merges of duplicates and their undo."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_core.parties.models import Contact


class RecordChange(models.Model):
    """One update of a tracked record: {column: [old, new]} for each column that changed.

    A database trigger (migration 0014 lists the tables: contacts, companies, deals, tasks,
    orders, tickets, products) writes the rows, so bulk updates, raw SQL and other processes
    are captured as well as the app's own saves."""

    table_name = models.CharField(max_length=63)
    record_id = models.BigIntegerField()
    changed_at = models.DateTimeField(_("when"))
    # who: set per request or task (`tenantly.actor`); empty for the system
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    changes = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["table_name", "record_id", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.table_name} #{self.record_id} at {self.changed_at:%Y-%m-%d %H:%M}"


class ContactMerge(models.Model):
    """A merge of one contact into another, kept so it can be undone exactly."""

    survivor = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="merges_out")
    survivor_before = models.JSONField()  # the survivor's fields before the merge
    moved = models.JSONField()  # {"interactions": [ids], "deals": [...], ...}
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
