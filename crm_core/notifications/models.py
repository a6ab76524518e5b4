from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a staff member should know about: the bell in the top bar lists them.

    The text is kept as its kind and parameters and written out when shown, so each reader sees
    it in their own language."""

    class Kind(models.TextChoices):
        TASK_ASSIGNED = "task_assigned", _("Task assigned to me")
        TASK_REMINDER = "task_reminder", _("Task reminder")
        PORTAL_ORDER = "portal_order", _("New portal order")
        PORTAL_TICKET = "portal_ticket", _("New portal request")
        PORTAL_SIGNUP = "portal_signup", _("New portal customer")
        PORTAL_MESSAGE = "portal_message", _("Customer replied in the portal")
        DEAL_MOVED = "deal_moved", _("My deal moved")
        IMPORT_CHECKED = "import_checked", _("Import checked")
        IMPORT_DONE = "import_done", _("Import finished")
        IMPORT_FAILED = "import_failed", _("Import stopped")
        REINDEX_DONE = "reindex_done", _("Search index rebuilt")
        EXPORT_DONE = "export_done", _("Export ready")
        EXPORT_FAILED = "export_failed", _("Export failed")
        PACKAGE_DONE = "package_done", _("Document package ready")
        PACKAGE_FAILED = "package_failed", _("Document package failed")
        GOAL_REACHED = "goal_reached", _("A goal passed a mark")
        GOAL_BEHIND = "goal_behind", _("A goal fell behind pace")
        BONUS_ADJUSTED = "bonus_adjusted", _("My bonus was adjusted")
        BONUS_QUESTION = "bonus_question", _("A question on a bonus statement")
        PROPOSAL_APPROVAL = "proposal_approval", _("A discount to approve")
        PROPOSAL_APPROVED = "proposal_approved", _("My discount was approved")
        PROPOSAL_REJECTED = "proposal_rejected", _("My discount was rejected")
        PROPOSAL_VIEWED = "proposal_viewed", _("A client opened my proposal")
        PROPOSAL_QUESTION = "proposal_question", _("A client asked about my proposal")
        PROPOSAL_DECLINED = "proposal_declined", _("A client declined my proposal")
        PROPOSAL_ACCEPTED = "proposal_accepted", _("A client accepted my proposal")
        MEMBERS_ADDED = "members_added", _("A campaign's members are added")
        CALL_RINGING = "call_ringing", _("A client is calling me")
        FORM_LEAD = "form_lead", _("A web form brought me a client")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def icon(self) -> str:
        return ICONS[self.kind]

    @property
    def text(self) -> str:
        """The sentence in the active language; unknown placeholders never break the bell."""
        params = {key: value for key, value in self.params.items() if isinstance(key, str)}
        key = self.kind if params.get("actor", True) else f"{self.kind}:system"
        try:
            return gettext(TEXTS.get(key, TEXTS[self.kind])) % params
        except (KeyError, TypeError, ValueError):
            return str(self.get_kind_display())


# Marked for translation here, translated when shown (the reader's language, not the sender's).
TEXTS = {
    Notification.Kind.TASK_ASSIGNED: gettext_noop("%(actor)s assigned you a task: %(title)s"),
    # made by the CRM itself: a follow-up after an inbound call, a birthday
    "task_assigned:system": gettext_noop("New task for you: %(title)s"),
    Notification.Kind.TASK_REMINDER: gettext_noop("Reminder: “%(title)s” is due at %(due)s"),
    Notification.Kind.PORTAL_ORDER: gettext_noop(
        "%(contact)s placed order %(number)s in the portal"
    ),
    Notification.Kind.PORTAL_TICKET: gettext_noop(
        "%(contact)s opened request %(number)s: %(subject)s"
    ),
    Notification.Kind.PORTAL_SIGNUP: gettext_noop("%(contact)s opened a customer account"),
    Notification.Kind.PORTAL_MESSAGE: gettext_noop("%(contact)s replied to request %(number)s"),
    Notification.Kind.DEAL_MOVED: gettext_noop("%(actor)s moved your deal %(title)s to %(stage)s"),
    Notification.Kind.GOAL_REACHED: gettext_noop(
        "%(subject)s: %(share)s%% of the goal “%(goal)s” (%(period)s)"
    ),
    Notification.Kind.GOAL_BEHIND: gettext_noop(
        "%(subject)s is behind pace on “%(goal)s” (%(period)s): %(pace)s%% of where it should be"
    ),
    Notification.Kind.BONUS_ADJUSTED: gettext_noop("%(actor)s adjusted your bonus for %(month)s"),
    Notification.Kind.BONUS_QUESTION: gettext_noop(
        "%(actor)s asked about their bonus statement for %(month)s"
    ),
    Notification.Kind.PROPOSAL_APPROVAL: gettext_noop(
        "%(actor)s asks you to approve a %(discount)s%% discount in proposal %(number)s"
    ),
    Notification.Kind.PROPOSAL_APPROVED: gettext_noop(
        "%(actor)s approved the discount in proposal %(number)s"
    ),
    Notification.Kind.PROPOSAL_REJECTED: gettext_noop(
        "%(actor)s rejected the discount in proposal %(number)s"
    ),
    Notification.Kind.PROPOSAL_VIEWED: gettext_noop("%(client)s opened proposal %(number)s"),
    Notification.Kind.PROPOSAL_QUESTION: gettext_noop(
        "%(client)s asked about proposal %(number)s: %(question)s"
    ),
    Notification.Kind.PROPOSAL_DECLINED: gettext_noop(
        "%(client)s declined proposal %(number)s: %(reason)s"
    ),
    Notification.Kind.PROPOSAL_ACCEPTED: gettext_noop("%(client)s accepted proposal %(number)s"),
    Notification.Kind.IMPORT_CHECKED: gettext_noop(
        "The check of %(file)s is finished: %(valid)s rows to create, %(errors)s with errors"
    ),
    Notification.Kind.IMPORT_DONE: gettext_noop(
        "The import of %(file)s is finished: records created: %(created)s"
    ),
    Notification.Kind.IMPORT_FAILED: gettext_noop("The import of %(file)s stopped: %(problem)s"),
    Notification.Kind.REINDEX_DONE: gettext_noop(
        "The search index is rebuilt: records indexed: %(count)s"
    ),
    Notification.Kind.EXPORT_DONE: gettext_noop(
        "Your export %(file)s is ready to download: rows: %(rows)s"
    ),
    Notification.Kind.EXPORT_FAILED: gettext_noop("Your export %(file)s failed: %(problem)s"),
    Notification.Kind.PACKAGE_DONE: gettext_noop(
        "The documents of %(file)s are ready to download: pages: %(pages)s"
    ),
    Notification.Kind.PACKAGE_FAILED: gettext_noop(
        "The documents of %(file)s were not made: %(problem)s"
    ),
    Notification.Kind.CALL_RINGING: gettext_noop("%(caller)s is calling: %(number)s"),
    Notification.Kind.FORM_LEAD: gettext_noop("%(contact)s filled in the form “%(form)s”"),
    Notification.Kind.MEMBERS_ADDED: gettext_noop(
        "The campaign %(campaign)s has its audience's members: added: %(added)s"
    ),
}


ICONS: dict[str, str] = {
    Notification.Kind.TASK_ASSIGNED: "bi-check2-square",
    Notification.Kind.TASK_REMINDER: "bi-alarm",
    Notification.Kind.PORTAL_ORDER: "bi-bag",
    Notification.Kind.PORTAL_TICKET: "bi-life-preserver",
    Notification.Kind.PORTAL_SIGNUP: "bi-person-plus",
    Notification.Kind.PORTAL_MESSAGE: "bi-chat-left-text",
    Notification.Kind.DEAL_MOVED: "bi-kanban",
    Notification.Kind.GOAL_REACHED: "bi-trophy",
    Notification.Kind.GOAL_BEHIND: "bi-speedometer2",
    Notification.Kind.BONUS_ADJUSTED: "bi-cash-coin",
    Notification.Kind.BONUS_QUESTION: "bi-question-circle",
    Notification.Kind.PROPOSAL_APPROVAL: "bi-percent",
    Notification.Kind.PROPOSAL_APPROVED: "bi-check-circle",
    Notification.Kind.PROPOSAL_REJECTED: "bi-x-circle",
    Notification.Kind.PROPOSAL_VIEWED: "bi-eye",
    Notification.Kind.PROPOSAL_QUESTION: "bi-question-circle",
    Notification.Kind.PROPOSAL_DECLINED: "bi-hand-thumbs-down",
    Notification.Kind.PROPOSAL_ACCEPTED: "bi-hand-thumbs-up",
    Notification.Kind.IMPORT_CHECKED: "bi-clipboard-check",
    Notification.Kind.IMPORT_DONE: "bi-cloud-check",
    Notification.Kind.IMPORT_FAILED: "bi-exclamation-triangle",
    Notification.Kind.REINDEX_DONE: "bi-search",
    Notification.Kind.EXPORT_DONE: "bi-file-earmark-arrow-down",
    Notification.Kind.EXPORT_FAILED: "bi-exclamation-triangle",
    Notification.Kind.PACKAGE_DONE: "bi-file-earmark-zip",
    Notification.Kind.PACKAGE_FAILED: "bi-exclamation-triangle",
    Notification.Kind.MEMBERS_ADDED: "bi-people",
    Notification.Kind.CALL_RINGING: "bi-telephone-inbound",
    Notification.Kind.FORM_LEAD: "bi-ui-checks",
}
