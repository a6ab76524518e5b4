"""The goals pages: a period's goals with their attainment (kept live), one goal with its
history, the grid that sets a goal for many people at once, closing a period, and the
manager's cockpit (people x KPIs, the leaderboard, the previous period beside each figure)."""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.analytics.display import Figures, figure_text
from crm_core.analytics.metrics import BUILTIN
from crm_core.analytics.periods import Period, day_from
from crm_core.analytics.selectors import metrics_all
from crm_core.common.visibility import can_assign_owners
from crm_core.goals.activity import (
    ACTIVITY_METRICS,
    DEFAULT_QUIET_DAYS,
    GRAINS,
    LIST_ROWS,
    MAX_QUIET_DAYS,
    activity_grid,
    activity_period,
    quiet_act,
    quiet_clients,
    quiet_deals,
)
from crm_core.goals.forms import FiscalYearForm, GoalForm, metric_choices
from crm_core.goals.models import Goal
from crm_core.goals.motivation import month_of, statement_view
from crm_core.goals.periods import MONTHS_IN, goal_period, period_name
from crm_core.goals.selectors import (
    attainment_row,
    attainments,
    cockpit,
    goal_setters_scope,
    goals_visible,
    may_set,
)
from crm_core.goals.services import goal_delete, goal_set, goals_close, goals_set_many
from crm_core.history.selectors import record_history
from crm_core.parties.selectors import owners_assignable
from crm_core.workspace.services import base_currency, fiscal_year_start, fiscal_year_start_set
from tenants.typing import StaffRequest


def _period_choice(request: StaffRequest) -> tuple[str, Period, date]:
    kind = request.GET.get("kind", "month")
    if kind not in MONTHS_IN:
        kind = "month"
    day = day_from(request.GET.get("day", "")) or timezone.localdate()
    return kind, goal_period(kind, day, fiscal_year_start()), day


def _nav(kind: str, period: Period) -> dict[str, Any]:
    return {
        "kind": kind,
        "period": period,
        "period_name": period_name(kind, period, fiscal_year_start()),
        "previous_day": (period.start - timedelta(days=1)).isoformat(),
        "next_day": (period.end + timedelta(days=1)).isoformat(),
        "kinds": [(key, label) for key, label in Goal.PeriodKind.choices if key in MONTHS_IN],
    }


def goals_home(request: StaffRequest) -> HttpResponse:
    kind, period, _day = _period_choice(request)
    goals = list(
        goals_visible(request.user)
        .filter(period_start__lte=period.end, period_end__gte=period.start)
        .filter(period_kind__in=[kind, Goal.PeriodKind.CUSTOM])
    )
    currency = base_currency()
    readings = [attainment_row(item, currency) for item in attainments(goals)]
    sections = [
        (label, [row for row in readings if row["goal"].level == level])
        for level, label in (
            (Goal.Level.COMPANY, _("Company")),
            (Goal.Level.TEAM, _("Teams")),
            (Goal.Level.PERSON, _("People")),
        )
    ]
    people, teams, company = goal_setters_scope(request.user)
    closable = period.end < timezone.localdate() and any(
        not row["goal"].is_closed and may_set(request.user, row["goal"])
        for row in readings
        if row["goal"].period_kind == kind
    )
    month = month_of(timezone.localdate())
    estimate = statement_view(request.user, month)
    context = {
        **_nav(kind, period),
        "bonus": figure_text(estimate.total, "money", currency) if estimate.plan else "",
        "bonus_month": month.start.strftime("%Y-%m"),
        "sections": [section for section in sections if section[1]],
        "can_set": company or people.exists() or teams.exists(),
        "closable": closable,
        "fiscal_form": FiscalYearForm(initial={"fiscal_year_start": fiscal_year_start()}),
    }
    return render(request, "crm_core/goals/home.html", context)


def _goal_form(request: StaffRequest, goal: Goal | None) -> GoalForm:
    people, teams, _company = goal_setters_scope(request.user)
    initial: dict[str, Any] = {"period_kind": "month", "level": "person"}
    if goal is not None:
        initial = {
            "metric": goal.metric,
            "level": goal.level,
            "person": goal.person_id,
            "team": goal.team_id,
            "period_kind": goal.period_kind,
            "day": goal.period_start,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "target": goal.target,
            "team_target": goal.team_target,
            "ramp": ", ".join(str(share) for share in goal.ramp),
        }
    else:
        initial.update({key: request.GET[key] for key in ("metric", "level") if key in request.GET})
    return GoalForm(request.POST or None, initial=initial, people=people, teams=teams)


def goal_new(request: StaffRequest) -> HttpResponse:
    return _goal_edit(request, None)


def goal_detail(request: StaffRequest, pk: int) -> HttpResponse:
    goal = goals_visible(request.user).filter(pk=pk).first()
    if goal is None:
        raise Http404
    return _goal_edit(request, goal)


def _goal_edit(request: StaffRequest, goal: Goal | None) -> HttpResponse:
    editable = goal is None or (may_set(request.user, goal) and not goal.is_closed)
    if goal is None:
        people, teams, company = goal_setters_scope(request.user)
        if not (company or people.exists() or teams.exists()):
            raise PermissionDenied(_("Only owners, administrators and heads of sales set goals."))
    form = _goal_form(request, goal)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("You do not change this goal."))
        if form.is_valid():
            try:
                saved = goal_set(actor=request.user, data=form.service_data(), goal=goal)
            except ValidationError as error:
                errors_into(form, error)
            else:
                messages.success(request, _("Goal saved."))
                return redirect("goal_detail", pk=saved.pk)
    context: dict[str, Any] = {"form": form, "goal": goal, "editable": editable}
    if goal is not None:
        currency = base_currency()
        found = attainments([goal])
        context.update(
            row=attainment_row(found[0], currency) if found else None,
            history=record_history(goal),
        )
    return render(request, "crm_core/goals/goal.html", context)


@require_POST
def goal_delete_view(request: StaffRequest, pk: int) -> HttpResponse:
    goal = goals_visible(request.user).filter(pk=pk).first()
    if goal is None:
        raise Http404
    try:
        goal_delete(actor=request.user, goal=goal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("goal_detail", pk=pk)
    messages.success(request, _("Goal deleted."))
    return redirect("goals")


def goals_grid(request: StaffRequest) -> HttpResponse:
    """One metric and period for many people at once: a target per person."""
    people, _teams, _company = goal_setters_scope(request.user)
    if not people.exists():
        raise PermissionDenied(_("Only owners, administrators and heads of sales set goals."))
    source = request.POST or request.GET
    metrics = metrics_all()
    metric = source.get("metric", "")
    metric = metric if metric in metrics else next(iter(metrics))
    kind = source.get("period_kind", "")
    kind = kind if kind in MONTHS_IN else "month"
    day = day_from(source.get("day", "")) or timezone.localdate()
    period = goal_period(kind, day, fiscal_year_start())
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        targets = {person.pk: request.POST.get(f"target-{person.pk}", "") for person in people}
        try:
            saved = goals_set_many(
                actor=request.user,
                metric=metric,
                period_kind=kind,
                day=day,
                targets=targets,
                ramp=request.POST.get("ramp", ""),
            )
        except ValidationError as error:
            errors = error.message_dict
        else:
            messages.success(
                request,
                ngettext("%(count)s goal saved.", "%(count)s goals saved.", len(saved))
                % {"count": len(saved)},
            )
            return redirect(f"{reverse('goals')}?kind={kind}&day={day.isoformat()}")
    existing = {
        goal.person_id: goal.target
        for goal in Goal.objects.filter(
            metric=metric,
            level=Goal.Level.PERSON,
            period_start=period.start,
            period_end=period.end,
            person__in=people,
        )
    }
    rows = [
        {
            "person": person,
            "value": request.POST.get(f"target-{person.pk}", "")
            if request.method == "POST"
            else (existing.get(person.pk) if existing.get(person.pk) is not None else ""),
            "errors": errors.get(f"target-{person.pk}", []),
        }
        for person in people
    ]
    context = {
        **_nav(kind, period),
        "metric": metric,
        "metrics": metric_choices(),
        "day": day.isoformat(),
        "rows": rows,
        "errors": {key: value for key, value in errors.items() if not key.startswith("target-")},
        "ramp": request.POST.get("ramp", ""),
    }
    return render(request, "crm_core/goals/grid.html", context, status=400 if errors else 200)


@require_POST
def goals_close_view(request: StaffRequest) -> HttpResponse:
    kind = request.POST.get("kind", "")
    day = day_from(request.POST.get("day", ""))
    if kind not in MONTHS_IN or day is None:
        messages.error(request, _("Choose a period to close."))
        return redirect("goals")
    period = goal_period(kind, day, fiscal_year_start())
    try:
        count = goals_close(
            actor=request.user, period_kind=kind, start=period.start, end=period.end
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "The period is closed: %(count)s goal frozen.",
                "The period is closed: %(count)s goals frozen.",
                count,
            )
            % {"count": count},
        )
    return redirect(f"{reverse('goals')}?kind={kind}&day={day.isoformat()}")


@require_POST
def fiscal_year_view(request: StaffRequest) -> HttpResponse:
    form = FiscalYearForm(request.POST)
    if form.is_valid():
        fiscal_year_start_set(actor=request.user, month=form.cleaned_data["fiscal_year_start"])
        messages.success(request, _("The fiscal year's first month is saved."))
    else:
        messages.error(request, _("Choose a month."))
    return redirect("goals")


# a cockpit cell, drawn here rather than by the template: a page holds a thousand of them, so
# each is one f-string whose every value is escaped (the standard library's `escape`, without
# format_html's and Django's escape's per-argument checks)
EMPTY_CELL = '<td class="text-end text-body-secondary">—</td>'


def _cell_html(
    status: str, key: str, drill: str, share: str, fact: str, target: str, previous: str, title: str
) -> str:
    under = (
        f'<br><span class="small text-body-secondary" title="{escape(title)}">'
        f"{escape(previous)}</span>"
        if previous
        else ""
    )
    return (
        f'<td class="text-end goal-cell goal-cell-{escape(status)}" '
        f'data-testid="cell-{escape(key)}"><a href="{escape(drill)}" '
        'class="text-reset text-decoration-none">'
        f'<span class="fw-semibold">{escape(share)}</span><br>'
        f'<span class="small">{escape(fact)} / {escape(target)}</span></a>{under}</td>'
    )


def goals_cockpit(request: StaffRequest) -> HttpResponse:
    """People x KPIs for the period: fact, target, % and pace in colour, each cell opening the
    records that count; the previous period's fact beside it; the leaderboard."""
    kind, period, _day = _period_choice(request)
    currency = base_currency()
    page = request.GET.get("page", "")
    board = cockpit(request.user, kind, period, page=int(page) if page.isdigit() else 1)
    span = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    links = {metric.key: reverse("metric_detail", args=[metric.key]) for metric in board.metrics}
    figures = Figures(currency)
    title = _("Previous period")
    rows = []
    for person, cells in board.rows:
        drawn = []
        for metric in board.metrics:
            cell = cells.get(metric.key)
            if cell is None:
                drawn.append(EMPTY_CELL)
                continue
            item, previous = cell
            drawn.append(
                _cell_html(
                    item.status,
                    f"{person.pk}-{metric.key}",
                    f"{links[metric.key]}?{span}&person={person.pk}",
                    figures.text(item.share, "percent"),
                    figures.text(item.fact, metric.unit),
                    figures.text(item.target, metric.unit),
                    figures.text(previous, metric.unit) if previous is not None else "",
                    title,
                )
            )
        # every value of every cell went through `escape` in _cell_html
        rows.append((person, mark_safe("".join(drawn))))  # noqa: S308
    context = {
        **_nav(kind, period),
        "metrics": board.metrics,
        "rows": rows,
        "leaders": [
            (person, figure_text(score, "percent"), count) for person, score, count in board.leaders
        ],
        # the pages only, not the board: a template's context lives until the garbage collector
        # frees it (Django's context and its dicts refer to each other), and the board holds
        # the page's thousand goals
        "board": {"page": board.page, "pages": board.pages, "people": board.people},
        "page_query": f"kind={kind}&day={period.start.isoformat()}",
    }
    return render(request, "crm_core/goals/cockpit.html", context)


def _quiet_days(request: StaffRequest) -> int:
    text = request.GET.get("days", "")
    if text.isdigit() and 1 <= int(text) <= MAX_QUIET_DAYS:
        return int(text)
    return DEFAULT_QUIET_DAYS


def activity_control(request: StaffRequest) -> HttpResponse:
    """Activity per person for a day or a week, and the deals and clients gone quiet."""
    grain = request.GET.get("grain", "week")
    grain = grain if grain in GRAINS else "week"
    day = day_from(request.GET.get("day", "")) or timezone.localdate()
    period = activity_period(grain, day)
    days = _quiet_days(request)
    grid = activity_grid(request.user, period)
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    rows = [
        (
            person,
            [
                (
                    grid.cell(key, person.pk),
                    f"{reverse('metric_detail', args=[key])}?{query}&person={person.pk}",
                )
                for key in ACTIVITY_METRICS
            ],
        )
        for person in grid.people
    ]
    step = timedelta(days=7 if grain == "week" else 1)
    context = {
        "grain": grain,
        "grains": GRAINS.items(),
        "period": period,
        "day": day.isoformat(),
        "previous_day": (period.start - step).isoformat(),
        "next_day": (period.start + step).isoformat(),
        "metrics": [BUILTIN[key] for key in ACTIVITY_METRICS],
        "rows": rows,
        "days": days,
        "deals": list(quiet_deals(request.user, days)[:LIST_ROWS]),
        "clients": list(quiet_clients(request.user, days)[:LIST_ROWS]),
        "owners": owners_assignable().order_by("full_name"),
        "can_reassign": can_assign_owners(request.user),
        "tomorrow": (timezone.localdate() + timedelta(days=1)).isoformat(),
    }
    return render(request, "crm_core/goals/activity.html", context)


@require_POST
def activity_act(request: StaffRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    owner_id = request.POST.get("owner", "")
    owner = owners_assignable().filter(pk=owner_id).first() if owner_id.isdigit() else None
    due = day_from(request.POST.get("due", ""))
    try:
        count = quiet_act(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            ids=ids,
            action=request.POST.get("action", ""),
            owner=owner,
            title=request.POST.get("title", ""),
            due=due,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext("%(count)s record done.", "%(count)s records done.", count) % {"count": count},
        )
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/goals/activity/") else reverse("activity_control"))
