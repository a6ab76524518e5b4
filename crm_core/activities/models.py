"""Activities: interactions (topics, outcomes, attachments), stage changes and tasks."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm_core.common.system_text import system_text
from crm_core.deals.models import Deal
from crm_core.parties.models import Company, Contact, LifecycleStage


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    LETTER = "letter", _("Letter")
    MEETING = "meeting", _("Meeting")
    EVENT = "event", _("Event")
    MAILING = "mailing", _("Mailing")
    CAMPAIGN = "campaign", _("Advertising campaign")
    PORTAL = "portal", _("Portal message")
    ORDER = "order", _("Order")
    PROPOSAL = "proposal", _("Proposal")
    TICKET = "ticket", _("Ticket")
    CHAT = "chat", _("Chat")
    FORM = "form", _("Web form")


CHANNEL_ICONS: dict[str, str] = {
    Channel.CALL: "telephone",
    Channel.EMAIL: "envelope",
    Channel.LETTER: "mailbox",
    Channel.MEETING: "people",
    Channel.EVENT: "calendar-event",
    Channel.MAILING: "send",
    Channel.CAMPAIGN: "megaphone",
    Channel.PORTAL: "shop",
    Channel.ORDER: "bag",
    Channel.PROPOSAL: "file-earmark-text",
    Channel.TICKET: "life-preserver",
    Channel.CHAT: "chat-dots",
    Channel.FORM: "ui-checks",
}


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "", _("Not applicable")


class InteractionTopic(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class InteractionOutcome(models.Model):
    class Rule(models.TextChoices):
        MOVE = "move", _("Move the contact to the stage")
        SUGGEST = "suggest", _("Suggest moving the contact")

    name = models.CharField(_("name"), max_length=120, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    moves_to_stage = models.ForeignKey(
        LifecycleStage,
        verbose_name=_("stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.CharField(_("rule"), max_length=8, choices=Rule.choices, default=Rule.MOVE)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Interaction(models.Model):
    """One contact with a client, in any channel, logged by staff or by the system."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="interactions"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=8, choices=Direction.choices, blank=True
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    duration_minutes = models.PositiveIntegerField(_("duration, minutes"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    # a subject the CRM wrote itself, written out when shown (crm_core.system_text)
    subject_message = models.CharField(max_length=255, blank=True, editable=False, db_default="")
    subject_params = models.JSONField(
        default=dict, blank=True, editable=False, db_default=models.Value({}, models.JSONField())
    )
    notes = models.TextField(_("notes"), blank=True)
    topic = models.ForeignKey(
        InteractionTopic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.ForeignKey(
        InteractionOutcome,
        verbose_name=_("outcome"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    participants = models.ManyToManyField(
        Contact, verbose_name=_("other participants"), blank=True, related_name="+"
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("colleagues"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"]),
            models.Index(fields=["contact", "channel", "-occurred_at"]),
            models.Index(fields=["company", "-occurred_at"]),
            models.Index(fields=["-occurred_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.subject_shown or self.contact}"

    @property
    def subject_shown(self) -> str:
        """The subject in the reader's language (see crm_core.system_text)."""
        if self.subject_message:
            return system_text(self.subject_message, self.subject_params)
        return self.subject

    @property
    def icon(self) -> str:
        return CHANNEL_ICONS.get(self.channel, "dot")


class StageChange(models.Model):
    """A move of a contact or company between lifecycle stages: from, to, when, who, why."""

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="stage_changes"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.ForeignKey(
        LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(
        LifecycleStage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True)
    reason_message = models.CharField(max_length=255, blank=True, editable=False, db_default="")
    reason_params = models.JSONField(
        default=dict, blank=True, editable=False, db_default=models.Value({}, models.JSONField())
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-changed_at"]),
            models.Index(fields=["company", "-changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage} → {self.to_stage}"

    @property
    def reason_shown(self) -> str:
        """The reason in the reader's language (see crm_core.system_text)."""
        if self.reason_message:
            return system_text(self.reason_message, self.reason_params)
        return self.reason


def attachment_path(attachment: "Attachment", filename: str) -> str:
    # relative to the tenant's own media folder (TenantFileSystemStorage adds the schema)
    return f"attachments/{attachment.uuid}/{filename}"


class Note(models.Model):
    """A note on a contact, a company or a deal (exactly one), with files if any: what does not
    fit a field, written down with who wrote it and when."""

    body = models.TextField(_("note"), blank=True)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="record_notes"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="record_notes"
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="record_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-created_at"]),
            models.Index(fields=["company", "-created_at"]),
            models.Index(fields=["deal", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(contact__isnull=False, company=None, deal=None)
                    | models.Q(contact=None, company__isnull=False, deal=None)
                    | models.Q(contact=None, company=None, deal__isnull=False)
                ),
                name="note_on_one_record",
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def record(self) -> Contact | Company | Deal:
        return self.contact or self.company or self.deal  # type: ignore[return-value]


class Attachment(models.Model):
    """A file on an interaction (a letter's scan, a call recording) or on a note (a signed
    contract on a company, a drawing on a deal)."""

    uuid = models.UUIDField(unique=True)
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(interaction__isnull=False, note=None)
                    | models.Q(interaction=None, note__isnull=False)
                ),
                name="attachment_of_one",
            )
        ]

    def __str__(self) -> str:
        return self.filename


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
        "identity.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
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


class CallTaskRule(models.Model):
    """The administrators' rule (one per company): an inbound call makes a task for the
    contact's owner, always or for the topics and outcomes chosen."""

    class When(models.TextChoices):
        NEVER = "never", _("Never")
        ALWAYS = "always", _("After every inbound call")
        MATCHING = "matching", _("After inbound calls with a topic or outcome chosen below")

    when = models.CharField(
        _("create a task"), max_length=8, choices=When.choices, default=When.NEVER
    )
    topics = models.ManyToManyField(
        InteractionTopic, verbose_name=_("topics"), blank=True, related_name="+"
    )
    outcomes = models.ManyToManyField(
        InteractionOutcome, verbose_name=_("outcomes"), blank=True, related_name="+"
    )
    due_in_hours = models.PositiveSmallIntegerField(_("due in, hours"), default=4)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Task.Priority.choices, default=Task.Priority.NORMAL
    )
    # a missed call: "call back" within this many minutes, urgent (0: the rule above decides)
    missed_call_minutes = models.PositiveSmallIntegerField(
        _("call back a missed call within, minutes"), default=0, db_default=0
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.get_when_display())
