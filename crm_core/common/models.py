from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def owner_field(**options) -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
        **options,
    )


def team_field(**options) -> models.ForeignKey:
    return models.ForeignKey(
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        **options,
    )


class OwnedRecord(models.Model):
    """A record with an owner and a team (for own/team/all visibility), archiving instead of
    deleting, and a version number for optimistic locking."""

    owner = owner_field()
    team = team_field()
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
