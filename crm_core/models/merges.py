from django.conf import settings
from django.db import models

from crm_core.models.parties import Contact


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
