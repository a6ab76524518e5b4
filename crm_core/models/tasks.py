from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm_core.models.deals import Deal
from crm_core.models.parties import Company, Contact


class Task(models.Model):
    """Something a colleague has to do, by a time, optionally about a client or deal."""

    class Priority(models.IntegerChoices):
        LOW = 0, _("Low")
        NORMAL = 1, _("Normal")
        HIGH = 2, _("High")

    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    team = models.ForeignKey(
        "identity.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due"))
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    source_key = models.CharField(
        max_length=80, blank=True, help_text="Set by automatic tasks so they are made once."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_at", "due_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_at"]),
            models.Index(fields=["team", "done_at", "due_at"]),
            models.Index(fields=["contact", "done_at"]),
            models.Index(
                fields=["remind_at"],
                condition=models.Q(reminded_at=None, done_at=None),
                name="task_reminder_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key"], condition=~models.Q(source_key=""), name="task_source_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
