"""Writes of the analytics: the company's own metrics."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.http import Http404, QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm_core.analytics.display import table_rows
from crm_core.analytics.metrics import Metric, groupings_for, metric_check
from crm_core.analytics.models import Dashboard, MetricDefinition, Report
from crm_core.analytics.reports import report_spec
from crm_core.analytics.selectors import TILE_DISPLAYS, dashboard_of, metrics_all, role_tiles
from crm_core.common.services import unknown_fields_refuse
from crm_core.common.spreadsheets import SafeCsvWriter
from crm_core.workspace.services import base_currency
from tenants.identity.models import User
from tenants.links import tenant_url

METRIC_FIELDS = (
    "name",
    "source",
    "measure",
    "date_field",
    "person",
    "conditions",
    "amount",
    "duration",
    "numerator",
    "denominator",
    "higher_is_better",
    "description",
)


def _may_define(actor: User) -> None:
    if not actor.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators define metrics."))


@transaction.atomic
def metric_definition_create(*, actor: User, data: dict[str, Any]) -> MetricDefinition:
    """A metric of the company's own, put together from the metrics layer's parts; refused,
    a message per field, when a part does not fit its record type."""
    _may_define(actor)
    unknown_fields_refuse(data, METRIC_FIELDS)
    name = str(data.get("name") or "").strip()
    conditions = data.get("conditions") or []
    if not isinstance(conditions, list | tuple) or not all(isinstance(c, str) for c in conditions):
        raise ValidationError({"conditions": [_("Give the conditions as a list of names.")]})
    measure = data.get("measure") or ""
    ratio = measure == "ratio"
    metric = Metric(
        key="new",
        label=name,
        source="" if ratio else data.get("source") or "",
        measure=measure,
        date="" if ratio else data.get("date_field") or "",
        person="" if ratio else data.get("person") or "",
        conditions=() if ratio else tuple(conditions),
        amount=data.get("amount") or "" if measure in ("sum", "avg") else "",
        duration=data.get("duration") or "" if measure == "duration" else "",
        numerator=data.get("numerator") or "" if ratio else "",
        denominator=data.get("denominator") or "" if ratio else "",
    )
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Name the metric.")]
    elif MetricDefinition.objects.filter(name__iexact=name).exists() or name.lower() in {
        str(known.label).lower() for known in metrics_all().values()
    }:
        errors["name"] = [_("A metric with this name exists.")]
    try:
        metric_check(metric, metrics_all())
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return MetricDefinition.objects.create(
        name=name,
        source=metric.source,
        measure=metric.measure,
        date_field=metric.date,
        person=metric.person,
        conditions=list(metric.conditions),
        amount=metric.amount,
        duration=metric.duration,
        numerator=metric.numerator,
        denominator=metric.denominator,
        higher_is_better=bool(data.get("higher_is_better", True)),
        description=str(data.get("description") or "")[:255],
        created_by=actor,
    )


def metric_definition_archive(*, actor: User, key: str) -> MetricDefinition:
    _may_define(actor)
    pk = key.removeprefix("custom-")
    definition = (
        MetricDefinition.objects.filter(pk=pk, archived_at=None).first() if pk.isdigit() else None
    )
    if definition is None:
        raise Http404
    users = MetricDefinition.objects.filter(archived_at=None).filter(
        Q(numerator=definition.key) | Q(denominator=definition.key)
    )
    if users.exists():
        raise ValidationError(
            _("“%(name)s” is part of %(users)s; archive that first.")
            % {"name": definition.name, "users": ", ".join(f"“{used.name}”" for used in users)}
        )
    definition.archived_at = timezone.now()
    definition.save(update_fields=["archived_at"])
    return definition


MAX_TILES = 24


def _own_dashboard(actor: User) -> Dashboard:
    """The actor's dashboard, made from their role's tiles the first time they change it."""
    dashboard = dashboard_of(actor)
    if dashboard is None:
        dashboard = Dashboard.objects.create(
            owner=actor,
            name=_("%(name)s's dashboard") % {"name": actor.full_name},
            tiles=role_tiles(actor),
        )
    return dashboard


@transaction.atomic
def dashboard_tile_add(*, actor: User, data: dict[str, Any]) -> Dashboard:
    """A tile added at the end: a metric shown as a figure, trend, leaderboard or split (by one
    of its groupings), or the funnel; refused, a message per field, when it does not fit."""
    unknown_fields_refuse(data, ("display", "metric", "by"))
    display, key, by = data.get("display") or "", data.get("metric") or "", data.get("by") or ""
    errors: dict[str, list[str]] = {}
    metrics = metrics_all()
    if display not in TILE_DISPLAYS:
        errors["display"] = [_("Choose one of the listed ways to show it.")]
    elif display != "funnel":
        metric = metrics.get(key)
        if metric is None:
            errors["metric"] = [_("Choose one of the listed metrics.")]
        elif display == "split" and by not in groupings_for(metric, metrics):
            errors["by"] = [_("Choose a grouping this metric has.")]
    dashboard = _own_dashboard(actor)
    if len(dashboard.tiles) >= MAX_TILES:
        errors["display"] = [_("A dashboard holds at most %(count)s tiles.") % {"count": MAX_TILES}]
    if errors:
        raise ValidationError(errors)
    tile = {"display": display}
    if display != "funnel":
        tile["metric"] = key
    if display == "split":
        tile["by"] = by
    dashboard.tiles = [*dashboard.tiles, tile]
    dashboard.save(update_fields=["tiles", "updated_at"])
    return dashboard


@transaction.atomic
def dashboard_tile_move(*, actor: User, index: int, step: int) -> Dashboard:
    """Move a tile one place earlier (step -1) or later (+1), or remove it (step 0)."""
    dashboard = _own_dashboard(actor)
    tiles = list(dashboard.tiles)
    if not 0 <= index < len(tiles):
        raise ValidationError({"tile": [_("There is no such tile.")]})
    if step == 0:
        tiles.pop(index)
    else:
        target = min(max(index + step, 0), len(tiles) - 1)
        tiles.insert(target, tiles.pop(index))
    dashboard.tiles = tiles
    dashboard.save(update_fields=["tiles", "updated_at"])
    return dashboard


def dashboard_reset(*, actor: User) -> None:
    """Back to the tiles of the actor's role."""
    Dashboard.objects.filter(owner=actor).delete()


def dashboard_share(*, actor: User, shared: bool) -> Dashboard:
    """Share the actor's dashboard with their team (or stop sharing it)."""
    if shared and not actor.team_id:
        raise ValidationError({"team": [_("You are in no team to share it with.")]})
    dashboard = _own_dashboard(actor)
    dashboard.team_id = actor.team_id if shared else None
    dashboard.save(update_fields=["team", "updated_at"])
    return dashboard


def _report_checked(actor: User, name: str, query: str) -> str:
    """The report's query string, once the builder's choices make a report for `actor`."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Name the report.")]
    if len(query) > 2000:
        errors["query"] = [_("The report's choices are too long to keep.")]
    else:
        try:
            report_spec(QueryDict(query), user=actor)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return query


def report_save(*, actor: User, name: str, query: str, report: Report | None = None) -> Report:
    """A new report (or `report`, its owner's, changed) from the builder's choices."""
    if report is not None and report.owner_id != actor.pk:
        raise PermissionDenied(_("Only its owner changes a report."))
    query = _report_checked(actor, name, query)
    if report is None:
        return Report.objects.create(name=name.strip()[:120], query=query, owner=actor)
    report.name, report.query = name.strip()[:120], query
    report.save(update_fields=["name", "query", "updated_at"])
    return report


def report_share(*, actor: User, report: Report, shared: bool) -> Report:
    if report.owner_id != actor.pk:
        raise PermissionDenied(_("Only its owner changes a report."))
    if shared and not actor.team_id:
        raise ValidationError({"team": [_("You are in no team to share it with.")]})
    report.team_id = actor.team_id if shared else None
    report.save(update_fields=["team", "updated_at"])
    return report


def next_send(schedule: str, after: datetime) -> datetime | None:
    """When a scheduled report goes out next: 7:00 in the workspace's time zone on the next
    day, Monday or first of the month after `after`."""
    if not schedule:
        return None
    local = timezone.localtime(after)
    day = local.date() + timedelta(days=1)
    if schedule == Report.Schedule.WEEKLY:
        day += timedelta(days=(7 - day.weekday()) % 7)
    elif schedule == Report.Schedule.MONTHLY:
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1) if day.day != 1 else day
    return datetime.combine(day, time(7), tzinfo=local.tzinfo)


def report_schedule(*, actor: User, report: Report, schedule: str) -> Report:
    """Email the report to its owner every day, week or month (or stop)."""
    if report.owner_id != actor.pk:
        raise PermissionDenied(_("Only its owner changes a report."))
    if schedule not in Report.Schedule.values:
        raise ValidationError({"schedule": [_("Choose one of the listed schedules.")]})
    report.schedule = schedule
    report.next_send_at = next_send(schedule, timezone.now())
    report.save(update_fields=["schedule", "next_send_at", "updated_at"])
    return report


def report_delete(*, actor: User, report: Report) -> None:
    if report.owner_id != actor.pk:
        raise PermissionDenied(_("Only its owner changes a report."))
    report.delete()


def reports_send_due(*, now: datetime | None = None) -> int:
    """Email each scheduled report whose time has come to its owner, computed under the
    owner's visibility and language, with the table in the message and as a CSV file (each
    report once per run, even with two workers)."""
    now = now or timezone.now()
    sent = 0
    for report in (
        Report.objects.filter(next_send_at__lte=now).exclude(schedule="").select_related("owner")
    ):
        following = next_send(report.schedule, now)
        taken = Report.objects.filter(pk=report.pk, next_send_at=report.next_send_at).update(
            next_send_at=following, last_sent_at=now
        )
        if not taken or not report.owner.is_active:
            continue
        with translation.override(report.owner.language or settings.LANGUAGE_CODE):
            report_email(report).send()
        sent += 1
    return sent


def report_email(report: Report) -> EmailMultiAlternatives:
    """The report as its owner sees it now: the table as text and HTML, and a CSV file."""
    owner = report.owner
    link = tenant_url(reverse("report_detail", args=[report.pk]))
    try:
        spec = report_spec(QueryDict(report.query), user=owner)
    except ValidationError as error:
        body = _("“%(name)s” can no longer be computed: %(problems)s\n%(link)s") % {
            "name": report.name,
            "problems": " ".join(error.messages),
            "link": link,
        }
        return EmailMultiAlternatives(report.name, body, None, [owner.email])
    table = spec.evaluate(owner)
    currency = base_currency()
    headers, rows = table_rows(table, currency=currency)
    period = spec.period.period
    text_rows = ["\t".join(str(cell) for cell in row) for row in [headers, *rows]]
    body = "\n".join(
        [
            _("%(name)s, %(start)s – %(end)s")
            % {"name": report.name, "start": period.start, "end": period.end},
            "",
            *text_rows,
            "",
            _("Open it: %(link)s") % {"link": link},
        ]
    )
    message = EmailMultiAlternatives(
        _("Report: %(name)s") % {"name": report.name}, body, None, [owner.email]
    )
    html = render_to_string(
        "crm_core/analytics/report_email.html",
        {"report": report, "headers": headers, "rows": rows, "link": link, "period": period},
    )
    message.attach_alternative(html, "text/html")
    output = io.StringIO()
    writer = SafeCsvWriter(output)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(row)
    message.attach(f"{slugify(report.name) or 'report'}.csv", output.getvalue(), "text/csv")
    return message
