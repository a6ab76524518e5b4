"""Background jobs a user starts and watches: imports and exports."""

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
        DEAL = "deal", _("Deals")

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


def import_file_path(job: "ImportJob", filename: str) -> str:
    # relative to the tenant's own media folder (TenantFileSystemStorage adds the schema)
    return f"imports/{job.uuid}/{filename}"


class ImportJob(models.Model):
    """One CSV or XLSX file on its way into the contacts or companies: mapped, checked (dry
    run), imported in the background, and undoable as a whole."""

    class Kind(models.TextChoices):
        CONTACT = "contact", _("Contacts")
        COMPANY = "company", _("Companies")

    class Status(models.TextChoices):
        READING = "reading", _("Reading the file")
        UPLOADED = "uploaded", _("Waiting for column mapping")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")

    class Duplicates(models.TextChoices):
        SKIP = "skip", _("Skip rows that match an existing record")
        CREATE = "create", _("Create them anyway")

    uuid = models.UUIDField(unique=True)
    kind = models.CharField(_("import into"), max_length=8, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    file = models.FileField(_("file"), upload_to=import_file_path, max_length=255)
    filename = models.CharField(max_length=255)
    encoding = models.CharField(_("encoding"), max_length=16, default="utf-8")
    delimiter = models.CharField(_("delimiter"), max_length=1, blank=True)
    headers = models.JSONField(default=list)
    sample = models.JSONField(default=list)
    # {column index (as text): target field key}
    mapping = models.JSONField(default=dict)
    segment = models.ForeignKey(
        "crm_core.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner of the new records"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    duplicates = models.CharField(
        _("duplicates"), max_length=8, choices=Duplicates.choices, default=Duplicates.SKIP
    )
    skip_invalid = models.BooleanField(
        _("import the valid rows, skip rows with errors"), default=False
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    duplicate_count = models.PositiveIntegerField(default=0)
    # what the dry run left for the import in its table (crm_core.jobs.imports): the rows
    # kept and how many repeated an earlier row of the file
    staged_rows = models.PositiveIntegerField(default=0)
    file_duplicates = models.PositiveIntegerField(default=0)
    # the first errors and duplicates, for the screen; the full list is a downloadable CSV
    errors = models.JSONField(default=list)
    duplicate_rows = models.JSONField(default=list)
    problem = models.TextField(blank=True)
    created_count = models.PositiveIntegerField(default=0)
    companies_created = models.PositiveIntegerField(default=0)
    undo_removed = models.PositiveIntegerField(default=0)
    undo_archived = models.PositiveIntegerField(default=0)
    language = models.CharField(max_length=8, blank=True)  # of the messages in the report
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # when a worker started the running step (check, import, undo); with the job's database
    # session (`running_tag`), how a worker that died with it is told from a job in the queue
    running_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def is_running(self) -> bool:
        return self.status in (
            self.Status.READING,
            self.Status.CHECKING,
            self.Status.IMPORTING,
            self.Status.UNDOING,
        )

    @property
    def skips_duplicates(self) -> bool:
        return self.duplicates == self.Duplicates.SKIP

    @property
    def can_import(self) -> bool:
        return self.status == self.Status.CHECKED and (
            self.error_count == 0 or (self.skip_invalid and self.valid_rows > 0)
        )
