from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def export_file_path(job: "ExportJob", filename: str) -> str:
    # relative to the tenant's own media folder (TenantFileSystemStorage adds the schema)
    return f"exports/{job.uuid}/{filename}"


class ExportJob(models.Model):
    """A list too long to download at once, written to a file in the background.

    The query is the list's filter as the user had it; the worker applies it through the same
    visibility rules as the screen, as the user who asked. Only that user can download the file,
    which is kept for `EXPORT_KEEP_DAYS`."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contacts")
        COMPANY = "company", _("Companies")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Writing the file")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    query = models.TextField(blank=True)  # the list's filters, as a URL query string
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_file_path, max_length=255, blank=True)
    filename = models.CharField(max_length=255)
    problem = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)  # of the column titles
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # when a worker started writing the file (crm_core.jobs.running.running)
    running_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
