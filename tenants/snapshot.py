"""The stored SQL of the migrated template schema (a model of the tenants app, in a module of its
own so that the snapshot service and the Tenant model can both import it)."""

from django.db import models


class TemplateSnapshot(models.Model):
    """SQL that recreates the migrated tenant template schema (see services.template)."""

    fingerprint = models.CharField(max_length=64)
    sql = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"template snapshot {self.fingerprint}"
