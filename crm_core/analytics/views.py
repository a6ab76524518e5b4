"""Analytics pages: every metric's figure for a period, and each metric opened down to a trend,
a split by person and the records behind it, under the reader's visibility."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Sum
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.analytics.display import (
    Chart,
    bucket_end,
    change,
    chart_of,
    figure_text,
    table_rows,
)
from crm_core.analytics.forecast import CATEGORIES, forecast
from crm_core.analytics.forms import MetricDefinitionForm
from crm_core.analytics.funnel import (
    Funnel,
    FunnelInputs,
    cohort,
    funnel,
    funnel_inputs,
    stage_deals,
    stalled_deals,
)
from crm_core.analytics.metrics import (
    MEASURES,
    Cell,
    Metric,
    drill_rows,
    evaluate,
    period_label,
    records,
)
from crm_core.analytics.models import Report
from crm_core.analytics.reports import CHARTS, FILTER_PREFIX, grouping_choices, report_spec
from crm_core.analytics.selectors import (
    Filters,
    figure_tile,
    filter_choices,
    filters_or_defaults,
    metric_get,
    metrics_all,
    person_grouping,
    report_get_for_user,
    reports_for,
)
from crm_core.analytics.services import (
    dashboard_reset,
    dashboard_share,
    dashboard_tile_add,
    dashboard_tile_move,
    metric_definition_archive,
    metric_definition_create,
    report_delete,
    report_save,
    report_schedule,
    report_share,
)
from crm_core.analytics.sources import SOURCES
from crm_core.commerce.models import ClientValue
from crm_core.commerce.selectors import client_values_visible
from crm_core.commerce.services import client_values_score_now
from crm_core.common.spreadsheets import table_download
from crm_core.deals.models import ForecastCategory, PipelineStage
from crm_core.deals.pipelines import pipelines_active
from crm_core.segments.selectors import segments_for
from crm_core.workspace.services import base_currency
from tenants.typing import StaffRequest

DRILL_ROWS = 50
DRILL_PAGES = 200  # deeper than this, narrow the filters


def _filters(request: StaffRequest, default: str = "this_month") -> tuple[Filters, dict | None]:
    return filters_or_defaults(request.GET, user=request.user, default=default)


def filter_context(request: StaffRequest, filters: Filters, errors: dict | None) -> dict[str, Any]:
    return filter_choices(request.user, filters, errors)


def tile(metric: Metric, *, request: StaffRequest, filters: Filters, metrics: dict) -> dict:
    url = reverse("metric_detail", args=[metric.key])
    return figure_tile(metric, user=request.user, filters=filters, metrics=metrics, url=url)


def analytics_home(request: StaffRequest) -> HttpResponse:
    """Every metric the company has, for the period and people chosen, grouped by record type."""
    filters, errors = _filters(request)
    metrics = metrics_all()
    groups: dict[str, list[dict]] = {}
    for metric in metrics.values():
        source = metric.source or metrics[metric.numerator].source
        groups.setdefault(source, []).append(
            tile(metric, request=request, filters=filters, metrics=metrics)
        )
    context = filter_context(request, filters, errors)
    context["groups"] = [(SOURCES[key].label, tiles) for key, tiles in groups.items()]
    return render(request, "crm_core/analytics/home.html", context)


def _grain(filters: Filters) -> str:
    days = filters.period.days
    return "day" if days <= 45 else "week" if days <= 120 else "month"


def metric_detail(request: StaffRequest, key: str) -> HttpResponse:
    """One metric: its figure, its trend, a split by person (the leaderboard) and the records
    behind it, each bar and row opening the records behind that part."""
    metric = metric_get(key)
    metrics = metrics_all()
    filters, errors = _filters(request)
    user = request.user
    currency = base_currency()
    base_link = f"{reverse('metric_detail', args=[key])}?{filters.scope.query()}"
    trend = evaluate(
        metric,
        user=user,
        period=filters.period,
        scope=filters.scope,
        groupings=(_grain(filters),),
        metrics=metrics,
    )
    person_key = person_grouping(metric, metrics)
    by_person = evaluate(
        metric,
        user=user,
        period=filters.period,
        scope=filters.scope,
        groupings=(person_key,),
        metrics=metrics,
    )
    period_link = f"{reverse('metric_detail', args=[key])}?{filters.period.query()}"
    drill_metric = metrics[metric.numerator] if metric.measure == "ratio" else metric
    queryset = records(
        metric, user=user, period=filters.period, scope=filters.scope, metrics=metrics
    )
    page = _page_number(request)
    rows = list(drill_rows(drill_metric, queryset)[(page - 1) * DRILL_ROWS : page * DRILL_ROWS + 1])
    context = filter_context(request, filters, errors)
    context.update(
        metric=metric,
        tile=tile(metric, request=request, filters=filters, metrics=metrics),
        trend=chart_of(
            trend,
            chart_id="trend",
            title=str(metric.label),
            kind="line" if len(trend.cells) > 12 else "bar",
            currency=currency,
            link=base_link,
        ),
        people_chart=chart_of(
            by_person,
            chart_id="people",
            title=_("%(metric)s by person") % {"metric": metric.label},
            currency=currency,
            link=period_link,
        ),
        rows=rows[:DRILL_ROWS],
        drill_metric=drill_metric,
        card_url=SOURCES[drill_metric.source].card[0],
        money=drill_metric.money,
        page_number=page,
        has_next=len(rows) > DRILL_ROWS and page < DRILL_PAGES,
        query=filters.query(),
        currency=currency,
    )
    return render(request, "crm_core/analytics/metric_detail.html", context)


def _page_number(request: StaffRequest) -> int:
    text = request.GET.get("page", "1")
    return min(int(text), DRILL_PAGES) if text.isdigit() and int(text) > 0 else 1


def metric_settings(request: StaffRequest) -> HttpResponse:
    """The company's own metrics: the list, and a form to put a new one together."""
    if not request.user.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators define metrics."))
    form = MetricDefinitionForm(request.POST or None, metrics=metrics_all())
    if request.method == "POST" and form.is_valid():
        try:
            definition = metric_definition_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Metric “%(name)s” added.") % {"name": definition.name})
            return redirect("metric_detail", key=definition.key)
    own = [metric for metric in metrics_all().values() if not metric.builtin]
    return render(
        request,
        "crm_core/analytics/metric_settings.html",
        {"form": form, "own": own, "sources": SOURCES.values()},
        status=400 if form.errors else 200,
    )


@require_POST
def metric_archive_view(request: StaffRequest, key: str) -> HttpResponse:
    try:
        metric_definition_archive(actor=request.user, key=key)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("metric_detail", key=key)
    messages.success(request, _("Metric archived."))
    return redirect("metric_settings")


def _funnel_inputs(request: StaffRequest) -> tuple[dict[str, Any], dict]:
    """The funnel's own filters (pipeline, mode, segment), or the defaults and what was wrong."""
    errors: dict[str, list[str]] = {}
    try:
        inputs: FunnelInputs | None = funnel_inputs(request.GET)
    except ValidationError as error:
        errors = error.message_dict
        try:
            inputs = funnel_inputs(QueryDict())
        except ValidationError:
            inputs = None  # no pipeline at all
    return {
        "pipeline": inputs.pipeline if inputs else None,
        "pipelines": pipelines_active().order_by("position", "id"),
        "mode": inputs.mode if inputs else "cohort",
        "segment": inputs.segment if inputs else None,
        "segments": segments_for("contact"),
    }, errors


def funnel_view(request: StaffRequest) -> HttpResponse:
    """The sales funnel of a pipeline for the period: each stage's deals, conversion and time,
    the deals stalled in it; a stage opens to the deals that reached it."""
    filters, errors = _filters(request)
    inputs, funnel_errors = _funnel_inputs(request)
    context = filter_context(request, filters, {**(errors or {}), **funnel_errors} or None)
    context.update(inputs)
    pipeline = inputs["pipeline"]
    if pipeline is None:
        return render(request, "crm_core/analytics/funnel.html", context)
    result = funnel(
        user=request.user,
        pipeline=pipeline,
        period=filters.period,
        scope=filters.scope,
        mode=inputs["mode"],
        segment=inputs["segment"],
    )
    query = request.GET.copy()
    for name in ("stage", "stalled"):
        query.pop(name, None)
    here = f"{reverse('funnel')}?{query.urlencode()}"
    flow = [row for row in result.rows if not row.stage.is_lost]
    currency = base_currency()
    chart = Chart(
        id="funnel",
        title=_("Sales funnel: %(pipeline)s") % {"pipeline": pipeline.name},
        spec={
            "kind": "funnel",
            "categories": [row.stage.name for row in flow],
            "series": [{"name": str(_("Reached")), "values": [row.reached for row in flow]}],
            "unit": "count",
            "links": [f"{here}&stage={row.stage.pk}" for row in flow],
        },
        headers=[_("Stage"), _("Reached")],
        rows=[
            {
                "cells": [row.stage.name, figure_text(row.reached, "count")],
                "link": f"{here}&stage={row.stage.pk}",
            }
            for row in flow
        ],
    )
    context.update(
        funnel=result,
        chart=chart,
        here=here,
        currency=currency,
        summary=[
            (_("Deals"), figure_text(result.deals, "count")),
            (_("Won"), figure_text(result.won, "count")),
            (_("Lost"), figure_text(result.lost, "count")),
            (_("Win rate"), figure_text(result.win_rate, "percent")),
            (_("Sales cycle"), figure_text(result.cycle_days, "days")),
            (_("Average deal won"), figure_text(result.average_won, "money", currency)),
            (_("Velocity, per day"), figure_text(result.velocity, "money", currency)),
        ],
    )
    drill_stage = _drill_stage(request, result)
    if drill_stage is not None:
        stage, stalled = drill_stage
        deals = cohort(
            user=request.user,
            pipeline=pipeline,
            period=filters.period,
            scope=filters.scope,
            mode=inputs["mode"],
            segment=inputs["segment"],
        )
        if stalled:
            row = next(row for row in result.rows if row.stage == stage)
            shown = stalled_deals(deals=deals, stage=stage, p90_days=row.p90_days)
        else:
            shown = stage_deals(
                deals=deals, stage=stage, mode=inputs["mode"], period=filters.period
            )
        context.update(
            drill_stage=stage,
            drill_stalled=stalled,
            drill_deals=list(shown.order_by("-created_at", "-id")[:DRILL_ROWS]),
            drill_total=shown.count(),
        )
    return render(request, "crm_core/analytics/funnel.html", context)


def _drill_stage(request: StaffRequest, result: Funnel) -> tuple[PipelineStage, bool] | None:
    for name, stalled in (("stage", False), ("stalled", True)):
        wanted = request.GET.get(name, "")
        for row in result.rows:
            if wanted and str(row.stage.pk) == wanted:
                return row.stage, stalled
    return None


def forecast_view(request: StaffRequest) -> HttpResponse:
    """Open deals by expected close month and forecast category, weighted, against won revenue;
    each month opens the deal list of the deals expected to close in it."""
    filters, errors = _filters(request, default="this_quarter")
    inputs, funnel_errors = _funnel_inputs(request)
    pipeline = inputs["pipeline"] if request.GET.get("pipeline") else None
    result = forecast(
        user=request.user, period=filters.period, scope=filters.scope, pipeline=pipeline
    )
    currency = base_currency()
    context = filter_context(request, filters, {**(errors or {}), **funnel_errors} or None)
    context.update(inputs, pipeline=pipeline, forecast=result, currency=currency)
    labels = dict(ForecastCategory.choices)
    months = [period_label(bucket.month, "month") for bucket in result.months]
    links = [_month_deals(bucket.month, filters, pipeline) for bucket in result.months]
    series = [
        {
            "name": str(labels[category]),
            "values": [float(b.by_category[category]) for b in result.months],
        }
        for category in CATEGORIES
    ]
    series.append(
        {"name": str(_("Won")), "values": [float(b.won) for b in result.months], "kind": "line"}
    )
    money = partial(figure_text, unit="money", currency=currency)
    headers = [
        _("Month"),
        _("Won"),
        *[str(labels[c]) for c in CATEGORIES],
        _("Weighted"),
        _("Open deals"),
    ]
    rows: list[dict[str, Any]] = [
        {
            "cells": [
                months[index],
                money(bucket.won),
                *[money(bucket.by_category[c]) for c in CATEGORIES],
                money(bucket.weighted),
                figure_text(bucket.deals, "count"),
            ],
            "link": links[index],
        }
        for index, bucket in enumerate(result.months)
    ]
    total = result.total
    rows.append(
        {
            "cells": [
                _("Total"),
                money(total.won),
                *[money(total.by_category[c]) for c in CATEGORIES],
                money(total.weighted),
                figure_text(total.deals, "count"),
            ],
            "link": None,
        }
    )
    context["chart"] = Chart(
        id="forecast",
        title=_("Forecast"),
        spec={
            "kind": "stacked",
            "categories": months,
            "series": series,
            "unit": "money",
            "currency": currency,
            "links": links,
        },
        headers=headers,
        rows=rows,
    )
    return render(request, "crm_core/analytics/forecast.html", context)


def _month_deals(month: date, filters: Filters, pipeline) -> str:
    query = QueryDict(mutable=True)
    query.update(
        {
            "status": "open",
            "close_after": month.isoformat(),
            "close_before": bucket_end(month, "month").isoformat(),
            "ordering": "close_date",
        }
    )
    if filters.scope.person:
        query["owner"] = str(filters.scope.person)
    if pipeline is not None:
        query["pipeline"] = str(pipeline.pk)
    return f"{reverse('deal_list')}?{query.urlencode()}"


def _home(request: StaffRequest) -> HttpResponse:
    return redirect(f"{reverse('dashboard')}?edit=1")


@require_POST
def dashboard_tile_add_view(request: StaffRequest) -> HttpResponse:
    try:
        dashboard_tile_add(
            actor=request.user,
            data={name: request.POST.get(name, "") for name in ("display", "metric", "by")},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Tile added."))
    return _home(request)


@require_POST
def dashboard_tile_move_view(request: StaffRequest, index: int) -> HttpResponse:
    steps = {"earlier": -1, "later": 1, "remove": 0}
    step = steps.get(request.POST.get("action", ""))
    if step is None:
        messages.error(request, _("Choose to move the tile or to remove it."))
        return _home(request)
    try:
        dashboard_tile_move(actor=request.user, index=index, step=step)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return _home(request)


@require_POST
def dashboard_share_view(request: StaffRequest) -> HttpResponse:
    shared = request.POST.get("shared") == "1"
    try:
        dashboard_share(actor=request.user, shared=shared)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Shared with your team.") if shared else _("No longer shared."))
    return _home(request)


@require_POST
def dashboard_reset_view(request: StaffRequest) -> HttpResponse:
    dashboard_reset(actor=request.user)
    messages.success(request, _("Your dashboard has your role's tiles again."))
    return redirect("dashboard")


def client_value_view(request: StaffRequest) -> HttpResponse:
    """Client value: RFM segments, the most valuable clients, the clients at risk of leaving,
    and the products that bring the most revenue and margin in the period, against the last."""
    filters, errors = _filters(request)
    user = request.user
    currency = base_currency()
    values = client_values_visible(user=user)
    segments = {
        row["segment"]: row
        for row in values.values("segment")
        .annotate(clients=Count("pk"), revenue=Sum("revenue"))
        .order_by()
    }
    labels = dict(ClientValue.Segment.choices)
    order = [value for value, _label in ClientValue.Segment.choices]
    present = [key for key in order if key in segments]
    total_revenue = sum((segments[key]["revenue"] or 0 for key in present), Decimal(0))
    contacts = reverse("contact_list")
    segment_chart = Chart(
        id="rfm",
        title=_("Clients by RFM segment"),
        spec={
            "kind": "pie",
            "categories": [str(labels[key]) for key in present],
            "series": [
                {"name": str(_("Clients")), "values": [segments[key]["clients"] for key in present]}
            ],
            "unit": "count",
            "links": [f"{contacts}?value_segment={key}" for key in present],
        },
        headers=[_("Segment"), _("Clients"), _("Revenue"), _("Share of revenue")],
        rows=[
            {
                "cells": [
                    str(labels[key]),
                    figure_text(segments[key]["clients"], "count"),
                    figure_text(segments[key]["revenue"], "money", currency),
                    figure_text(
                        round(float(segments[key]["revenue"] or 0) * 100 / float(total_revenue), 1)
                        if total_revenue
                        else None,
                        "percent",
                    ),
                ],
                "link": f"{contacts}?value_segment={key}",
            }
            for key in present
        ],
    )
    metrics = metrics_all()
    products = []
    for key in ("product_revenue", "margin"):
        now = evaluate(
            metrics[key],
            user=user,
            period=filters.period,
            scope=filters.scope,
            groupings=("product",),
        )
        before = evaluate(
            metrics[key],
            user=user,
            period=filters.period.previous(),
            scope=filters.scope,
            groupings=("product",),
        )
        products.append((now, before))
    (revenue_now, revenue_before), (margin_now, margin_before) = products
    ranked = sorted(
        (key[0] for key in revenue_now.cells if key),
        key=lambda product: -(revenue_now.cells[(product,)].value or 0),
    )[:15]
    top_products = [
        {
            "name": revenue_now.names[0].get(product, ""),
            "pk": product,
            "revenue": figure_text(revenue_now.cells[(product,)].value, "money", currency),
            "margin": figure_text(
                margin_now.cells.get((product,), Cell()).value, "money", currency
            ),
            "change": change(
                revenue_now.cells[(product,)],
                revenue_before.cells.get((product,), Cell()),
                metrics["product_revenue"],
            ),
        }
        for product in ranked
    ]
    context = filter_context(request, filters, errors)
    context.update(
        segment_chart=segment_chart,
        top_clients=list(values.order_by(F("margin").desc(nulls_last=True), "-revenue")[:15]),
        at_risk=list(values.filter(churn_risk=True).order_by("-revenue")[:15]),
        at_risk_count=values.filter(churn_risk=True).count(),
        top_products=top_products,
        currency=currency,
        missing=sorted(set(revenue_now.missing) | set(margin_now.missing)),
    )
    return render(request, "crm_core/analytics/client_value.html", context)


@require_POST
def client_value_rescore_view(request: StaffRequest) -> HttpResponse:
    scored = client_values_score_now(actor=request.user)
    messages.success(
        request,
        ngettext("%(count)s client scored.", "%(count)s clients scored.", scored)
        % {"count": scored},
    )
    return redirect("client_value")


def _report_context(request: StaffRequest, query: QueryDict) -> dict[str, Any]:
    """The builder's choices, what it offers, and the report they make (or what is wrong)."""
    source = query.get("source", "deals") if query.get("source") in SOURCES else "deals"
    parts = SOURCES[source]
    context: dict[str, Any] = {
        "query": query,
        "source": source,
        "sources": SOURCES.values(),
        "parts": parts,
        "measures": [(key, label) for key, label in MEASURES.items() if key != "ratio"],
        "groupings": grouping_choices(source),
        "charts": CHARTS.items(),
        "chosen_groups": query.getlist("group"),
        "chosen_conditions": query.getlist("condition"),
        "filter_values": {
            name.removeprefix(FILTER_PREFIX): value
            for name, value in query.items()
            if name.startswith(FILTER_PREFIX)
        },
        **filter_choices(
            request.user,
            filters_or_defaults(query, user=request.user, default="this_year")[0],
            None,
        ),
    }
    try:
        spec = report_spec(query, user=request.user)
    except ValidationError as error:
        context["report_errors"] = error.message_dict
        return context
    table = spec.evaluate(request.user)
    currency = base_currency()
    context.update(spec=spec, table=table, currency=currency)
    if table.groupings:
        kind = "bar" if spec.chart == "table" else spec.chart
        if len(table.groupings) == 2 and kind == "bar":
            kind = "stacked"
        context["chart"] = chart_of(
            table,
            chart_id="report",
            title=str(spec.metric.label),
            kind=kind,
            currency=currency,
            limit=50,
        )
    context["total_text"] = figure_text(table.total.value, spec.metric.unit, currency)
    context["missing"] = table.missing
    return context


def report_builder(request: StaffRequest) -> HttpResponse:
    """Pick a record type, conditions and filters, up to two groupings, a measure and a chart;
    the report is drawn as the choices change and saved under a name."""
    context = _report_context(request, request.GET)
    context["query_string"] = request.GET.urlencode()
    return render(request, "crm_core/analytics/report_builder.html", context)


@require_POST
def report_save_view(request: StaffRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    report = None
    if request.POST.get("report"):
        report = report_get_for_user(user=request.user, pk=int(request.POST["report"]))
    try:
        report = report_save(
            actor=request.user, name=request.POST.get("name", ""), query=query, report=report
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(f"{reverse('report_builder')}?{query}")
    messages.success(request, _("Report “%(name)s” saved.") % {"name": report.name})
    return redirect("report_detail", pk=report.pk)


def report_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "crm_core/analytics/report_list.html",
        {
            "reports": reports_for(user=request.user),
            "filters": filters_or_defaults(QueryDict(), user=request.user)[0],
        },
    )


def report_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """A saved report as the reader may see it, with its exports, sharing and schedule."""
    report = report_get_for_user(user=request.user, pk=pk)
    context = _report_context(request, QueryDict(report.query))
    context.update(
        report=report,
        query_string=report.query,
        own=report.owner_id == request.user.pk,
        schedules=Report.Schedule.choices,
    )
    return render(request, "crm_core/analytics/report_detail.html", context)


@require_POST
def report_change_view(request: StaffRequest, pk: int) -> HttpResponse:
    """Share, schedule or delete a report (its owner only)."""
    report = report_get_for_user(user=request.user, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "share":
            report_share(
                actor=request.user, report=report, shared=request.POST.get("shared") == "1"
            )
            messages.success(request, _("Sharing saved."))
        elif action == "schedule":
            report = report_schedule(
                actor=request.user, report=report, schedule=request.POST.get("schedule", "")
            )
            messages.success(request, _("Schedule saved."))
        elif action == "delete":
            report_delete(actor=request.user, report=report)
            messages.success(request, _("Report deleted."))
            return redirect("report_list")
        else:
            messages.error(request, _("Choose what to change."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("report_detail", pk=pk)


def report_export(request: StaffRequest, pk: int, file_format: str) -> HttpResponse:
    """The report's table as CSV or XLSX (values as numbers, the total last)."""
    report = report_get_for_user(user=request.user, pk=pk)
    try:
        spec = report_spec(QueryDict(report.query), user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("report_detail", pk=pk)
    headers, rows = table_rows(spec.evaluate(request.user), currency=base_currency())
    return table_download(slugify(report.name) or "report", headers, rows, file_format)
