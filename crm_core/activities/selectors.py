"""Reading activities: the 360° timeline of a contact or a company (every channel, stage changes,
deals, tasks and field changes, newest first), interactions and tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm_core.activities.models import (
    CHANNEL_ICONS,
    Attachment,
    Channel,
    Interaction,
    Note,
    StageChange,
    Task,
)
from crm_core.common.visibility import visibility_q, visibility_scope, visible_to
from crm_core.deals.models import Deal
from crm_core.history.selectors import changes_display, changes_of
from crm_core.parties.models import Company, Contact
from tenants.identity.models import User
from tenants.identity.roles import Visibility


def tasks_visible(*, user: User) -> QuerySet[Task]:
    return visible_to(Task.objects.all(), user, owner_field="assignee").select_related(
        "assignee", "contact", "company", "deal"
    )


def task_get_for_user(*, user: User, pk: int) -> Task:
    task = tasks_visible(user=user).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def _end_of_today() -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), time()))


def my_tasks(*, user: User) -> dict[str, QuerySet[Task]]:
    now, end = timezone.now(), _end_of_today()
    mine = tasks_visible(user=user).filter(assignee=user)
    return {
        "overdue": mine.filter(done_at=None, due_at__lt=now),
        "today": mine.filter(done_at=None, due_at__gte=now, due_at__lt=end),
        "upcoming": mine.filter(done_at=None, due_at__gte=end)[:100],
        "done": mine.exclude(done_at=None).order_by("-done_at")[:30],
    }


def due_count(*, user: User) -> int:
    """My open tasks due by the end of today (the sidebar badge)."""
    return Task.objects.filter(assignee=user, done_at=None, due_at__lt=_end_of_today()).count()


PAGE = 30


# what the channel filter offers beyond the interaction channels
OTHER_KIND_CHOICES = [
    ("stage", gettext_lazy("Stages")),
    ("deal", gettext_lazy("Deals")),
    ("task", gettext_lazy("Tasks")),
    ("change", gettext_lazy("Changes")),
]


OTHER_KINDS = tuple(value for value, _label in OTHER_KIND_CHOICES)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "interaction" | "stage" | "deal" | "task" | "change"
    at: datetime
    item: object


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    next_before: datetime | None


def _of_record(record: Contact | Company) -> Q:
    if isinstance(record, Contact):
        return Q(contact=record)
    return Q(company=record) | Q(contact__company=record)


def _readable_q(record: Contact | Company, user: User | None) -> Q:
    """A company's entries about its people are the reader's only for the people the reader
    may see (a contact's own card is already one the reader may open); entries about the
    company alone are the company card's."""
    if user is None or isinstance(record, Contact) or not visibility_q(user):
        return Q()
    people = visible_to(Contact.objects.all(), user).values("pk")
    return Q(contact__isnull=True) | Q(contact__in=people)


def _participants(user: User | None) -> Prefetch:
    """An interaction's other participants that the reader may see (all without a reader)."""
    people = Contact.objects.all() if user is None else visible_to(Contact.objects.all(), user)
    return Prefetch("participants", queryset=people)


def _readable(queryset: QuerySet, record: Contact | Company, user: User | None) -> QuerySet:
    return queryset.filter(_readable_q(record, user))


def _sources(record: Contact | Company, user: User | None) -> dict[str, tuple[QuerySet, str]]:
    """Each kind of entry: its records of this contact or company that `user` may read (all
    of them without a user), and their time field."""
    mine = _of_record(record)
    deals = Deal.objects.filter(mine).select_related("stage", "pipeline", "owner")
    tasks = Task.objects.filter(mine).select_related("assignee", "created_by")
    if user is not None:
        deals = visible_to(deals, user)
        if isinstance(record, Company):
            # and the reader's own (or team's) tasks, whoever they are about
            tasks = tasks.filter(_readable_q(record, user) | visibility_q(user, "assignee"))
    return {
        "interaction": (
            _readable(Interaction.objects.filter(mine), record, user)
            .select_related("contact", "topic", "outcome", "created_by")
            .prefetch_related("attachments", "staff", _participants(user)),
            "occurred_at",
        ),
        "stage": (
            _readable(StageChange.objects.filter(mine), record, user).select_related(
                "from_stage", "to_stage", "changed_by", "contact", "company"
            ),
            "changed_at",
        ),
        "deal": (deals, "created_at"),
        "task": (tasks, "created_at"),
        "change": (changes_of(record), "changed_at"),
    }


def record_timeline(
    *,
    record: Contact | Company,
    user: User | None = None,
    channel: str | None = None,
    before: datetime | None = None,
    limit: int = PAGE,
) -> Timeline:
    """One page of the timeline (keyset on time: cheap however long the history is); one
    query per kind of entry."""
    entries: list[TimelineEntry] = []
    for kind, (queryset, time_field) in _sources(record, user).items():
        if channel:
            if channel in OTHER_KINDS and kind != channel:
                continue
            if channel not in OTHER_KINDS:
                if kind != "interaction":
                    continue
                queryset = queryset.filter(channel=channel)
        if before:
            queryset = queryset.filter(**{f"{time_field}__lt": before})
        rows = list(queryset.order_by(f"-{time_field}", "-id")[: limit + 1])
        if kind == "change":
            # stage moves have entries of their own, with the reason
            rows = changes_display(type(record), rows, skip=("lifecycle_stage_id",))
            entries += [TimelineEntry(kind, row.at, row) for row in rows]
        else:
            entries += [TimelineEntry(kind, getattr(row, time_field), row) for row in rows]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    page = entries[:limit]
    return Timeline(page, page[-1].at if len(entries) > limit else None)


@dataclass(frozen=True)
class KeyFigures:
    interactions: int
    last_contact_at: datetime | None
    by_channel: dict[str, int]


def key_figures(*, record: Contact | Company, user: User | None = None) -> KeyFigures:
    """Counts of the interactions on the card, of those `user` may read."""
    interactions = _readable(Interaction.objects.filter(_of_record(record)), record, user)
    totals = interactions.aggregate(count=Count("id"), last=Max("occurred_at"))
    by_channel = dict(
        interactions.values_list("channel")
        .annotate(count=Count("id"))
        .values_list("channel", "count")
    )
    return KeyFigures(totals["count"], totals["last"], by_channel)


def interactions_visible(*, user: User) -> QuerySet[Interaction]:
    """Interactions of the contacts the user may see (all of them, for who sees every contact:
    no million-row semi-join to say so)."""
    interactions = Interaction.objects.all()
    if visibility_scope(user) != Visibility.ALL:
        interactions = interactions.filter(
            contact__in=visible_to(Contact.objects.all(), user).values("pk")
        )
    return interactions.select_related(
        "contact", "topic", "outcome", "created_by"
    ).prefetch_related("attachments", "staff", _participants(user))


NOTE_KINDS = {"contact": Contact, "company": Company, "deal": Deal}


def notes_of(record: Contact | Company | Deal) -> QuerySet[Note]:
    """The notes on a record the caller has let the reader see, newest first, with files."""
    kind = type(record).__name__.lower()
    return (
        Note.objects.filter(**{kind: record})
        .select_related("author")
        .prefetch_related("attachments")
    )


def _record_seen(user: User, record: Contact | Company | Deal | None) -> bool:
    if record is None:
        return False
    return visible_to(type(record).objects.filter(pk=record.pk), user).exists()


def note_get_for_user(*, user: User, pk: int) -> Note:
    """The note, if the user sees its record; the same 404 for missing and forbidden."""
    note = Note.objects.select_related("contact", "company", "deal").filter(pk=pk).first()
    if note is None or not _record_seen(user, note.record):
        raise Http404
    return note


def attachment_get_for_user(*, user: User, pk: int) -> Attachment:
    """A file, if the user sees the contact of its interaction or the record of its note."""
    attachment = (
        Attachment.objects.select_related("interaction__contact", "note").filter(pk=pk).first()
    )
    if attachment is None:
        raise Http404
    if attachment.note_id is not None:
        note_get_for_user(user=user, pk=attachment.note_id)
    elif not _record_seen(user, attachment.interaction.contact if attachment.interaction else None):
        raise Http404
    return attachment


@dataclass(frozen=True)
class ChannelUse:
    channel: str
    label: str
    icon: str
    count: int
    last: datetime


def channels_used(*, contact: Contact) -> list[ChannelUse]:
    """The channels a client was in touch through (calls, emails, web forms, the portal,
    orders…), the most used first: how they like to reach the company, beside the channel
    they said they prefer."""
    rows = (
        Interaction.objects.filter(contact=contact)
        .values("channel")
        .annotate(count=Count("id"), last=Max("occurred_at"))
        .order_by("-count", "-last")
    )
    labels = dict(Channel.choices)
    return [
        ChannelUse(
            row["channel"],
            str(labels.get(row["channel"], row["channel"])),
            CHANNEL_ICONS.get(row["channel"], "dot"),
            row["count"],
            row["last"],
        )
        for row in rows
    ]
