"""Activity control: calls, meetings, emails, tasks done and overdue per person for a day or a
week, open deals with no activity for N days and clients with no contact for N days, each a
list a manager acts on (reassign, or a task for each)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm_core.activities.models import Interaction, Task
from crm_core.activities.services import task_create
from crm_core.analytics.metrics import BUILTIN, Table, evaluate
from crm_core.analytics.periods import Period
from crm_core.analytics.selectors import people_for, person_grouping
from crm_core.common.visibility import can_assign_owners
from crm_core.deals.models import Deal
from crm_core.deals.selectors import deals_visible
from crm_core.lists.services import bulk_apply, bulk_records
from crm_core.parties.models import Contact
from crm_core.parties.selectors import contacts_visible, owners_assignable
from tenants.identity.models import User

ACTIVITY_METRICS = ("calls", "meetings", "emails", "tasks_done", "tasks_overdue")
GRAINS = {"day": gettext_lazy("Day"), "week": gettext_lazy("Week")}
DEFAULT_QUIET_DAYS = 14
MAX_QUIET_DAYS = 3650
LIST_ROWS = 50
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.get_fixed_timezone(0))


def activity_period(grain: str, day: date) -> Period:
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6))
    return Period(day, day)


@dataclass
class ActivityGrid:
    people: list[User]
    tables: dict[str, Table]

    def cell(self, key: str, person: int) -> Any:
        found = self.tables[key].cells.get((person,))
        return found.value if found else 0


def activity_grid(user: User, period: Period) -> ActivityGrid:
    """Each activity metric for each active person the user sees, in one grouped reading per
    metric."""
    people = list(people_for(user).filter(is_active=True))
    tables = {
        key: evaluate(
            BUILTIN[key],
            user=user,
            period=period,
            groupings=[person_grouping(BUILTIN[key], BUILTIN)],
        )
        for key in ACTIVITY_METRICS
    }
    return ActivityGrid(people, tables)


def _last_interaction(path: str) -> Subquery:
    return Subquery(
        Interaction.objects.filter(**{path: OuterRef(path)})
        .order_by()
        .values(path)
        .annotate(last=Max("occurred_at"))
        .values("last")[:1],
        output_field=DateTimeField(),
    )


def quiet_deals(user: User, days: int, now: datetime | None = None) -> QuerySet[Deal]:
    """Open deals the user sees whose last activity (a stage move, a task done on it, an
    interaction with its client) is older than `days` days."""
    since = (now or timezone.now()) - timedelta(days=days)
    last_task = Subquery(
        Task.objects.filter(deal=OuterRef("pk"), done_at__isnull=False)
        .order_by()
        .values("deal")
        .annotate(last=Max("done_at"))
        .values("last")[:1],
        output_field=DateTimeField(),
    )
    last_talk = Subquery(
        Interaction.objects.filter(contact=OuterRef("contact"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1],
        output_field=DateTimeField(),
    )
    epoch = Value(EPOCH, output_field=DateTimeField())
    return (
        deals_visible(user=user)
        .filter(closed_at=None, archived_at=None, stage_entered_at__lt=since)
        .annotate(
            last_activity=Greatest(
                "stage_entered_at", Coalesce(last_task, epoch), Coalesce(last_talk, epoch)
            )
        )
        .filter(last_activity__lt=since)
        .select_related("owner", "stage", "contact")
        .order_by("last_activity", "pk")
    )


def quiet_clients(user: User, days: int, now: datetime | None = None) -> QuerySet[Contact]:
    """Clients the user sees with no interaction in the last `days` days (or none at all),
    the longest silent first."""
    since = (now or timezone.now()) - timedelta(days=days)
    last_talk = Subquery(
        Interaction.objects.filter(contact=OuterRef("pk"))
        .order_by("-occurred_at")
        .values("occurred_at")[:1],
        output_field=DateTimeField(),
    )
    return (
        contacts_visible(user=user)
        .filter(archived_at=None, created_at__lt=since)
        .annotate(last_contact=last_talk)
        .filter(Q(last_contact__lt=since) | Q(last_contact=None))
        .select_related("owner")
        .order_by("last_contact", "pk")
    )


KINDS = ("deal", "contact")


@transaction.atomic
def quiet_act(
    *,
    actor: User,
    kind: str,
    ids: list[int],
    action: str,
    owner: User | None = None,
    title: str = "",
    due: date | None = None,
) -> int:
    """Act on records chosen from a quiet list: give them to another owner, or a task on each
    (for the person chosen, or each record's owner). Returns how many records were acted on."""
    if kind not in KINDS:
        raise ValidationError({"kind": [_("No such list.")]})
    records = bulk_records(user=actor, kind=kind, ids=ids)
    if action == "reassign":
        if not can_assign_owners(actor):
            raise PermissionDenied(_("Your role does not assign records to colleagues."))
        result = bulk_apply(actor=actor, kind=kind, action="owner", records=records, value=owner)
        return result.operation.count if result.operation else 0
    if action != "task":
        raise ValidationError({"action": [_("Choose what to do with them.")]})
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("What is the task?")]
    if due is None:
        errors["due"] = [_("When is it due?")]
    if owner is not None and not owners_assignable().filter(pk=owner.pk).exists():
        errors["owner"] = [_("Choose an active colleague.")]
    if errors or due is None:
        raise ValidationError(errors)
    due_at = datetime.combine(due, time(12), timezone.get_current_timezone())
    count = 0
    for record in records.select_related("owner"):
        data: dict[str, Any] = {"title": title.strip(), "due_at": due_at}
        if kind == "deal":
            data |= {"deal": record, "contact": record.contact}
        else:
            data["contact"] = record
        task_create(actor=actor, data=data, assignee=owner or record.owner)
        count += 1
    return count
