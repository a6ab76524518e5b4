from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListKind(models.TextChoices):
    CONTACT = "contact", _("Contacts")
    COMPANY = "company", _("Companies")
    DEAL = "deal", _("Deals")


class SavedView(models.Model):
    """A list as someone keeps it: its filters and sort (the list's query string) and the
    columns it shows; private, or shared with the owner's team."""

    kind = models.CharField(_("list"), max_length=8, choices=ListKind.choices)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters and sort"), max_length=2000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    team = models.ForeignKey(
        "identity.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    shared = models.BooleanField(_("shared with the team"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["kind", "owner"]), models.Index(fields=["kind", "team"])]
        constraints = [
            models.UniqueConstraint(fields=["owner", "kind", "name"], name="one_view_name_each")
        ]

    def __str__(self) -> str:
        return self.name


class BulkOperation(models.Model):
    """One bulk change of a list's records, and what each record held before it, for the
    minute its author may undo it."""

    class Action(models.TextChoices):
        OWNER = "owner", _("Assign an owner")
        STAGE = "stage", _("Set the stage")
        SEGMENT = "segment", _("Add to a segment")
        ARCHIVE = "archive", _("Archive")

    kind = models.CharField(max_length=8, choices=ListKind.choices)
    action = models.CharField(max_length=8, choices=Action.choices)
    label = models.CharField(max_length=255)  # what it did, as its author read it
    count = models.PositiveIntegerField(default=0)
    before = models.JSONField(default=dict)  # record id -> {field: value before}
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    undo_until = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "kind", "-created_at"])]

    def __str__(self) -> str:
        return self.label
