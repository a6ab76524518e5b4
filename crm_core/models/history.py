from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
