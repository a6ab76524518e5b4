"""The metrics through the API: what metrics exist, a metric's figure for a period split as
asked, and the records behind it, all under the caller's visibility."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.analytics.forecast import forecast
from crm_core.analytics.funnel import MODES, funnel, funnel_inputs
from crm_core.analytics.metrics import (
    MEASURES,
    Metric,
    drill_rows,
    evaluate,
    groupings_for,
    records,
)
from crm_core.analytics.periods import PRESETS
from crm_core.analytics.selectors import filters_from, metric_get, metrics_all
from crm_core.analytics.services import metric_definition_create
from crm_core.analytics.sources import SOURCES
from crm_core.workspace.services import base_currency

FILTER_PARAMETERS = [
    OpenApiParameter(
        "range", str, enum=list(PRESETS), description="A preset period (default: this month)."
    ),
    OpenApiParameter(
        "from", OpenApiTypes.DATE, description="The first day (with `to`, instead of `range`)."
    ),
    OpenApiParameter("to", OpenApiTypes.DATE, description="The last day, inclusive."),
    OpenApiParameter("team", int, description="Only the figures credited to this team's people."),
    OpenApiParameter("person", int, description="Only the figures credited to this person."),
]
FILTER_NAMES = {"range", "from", "to", "team", "person"}
MAX_RECORDS = 100


def _refuse_unknown(request, allowed: set[str]) -> None:
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise ValidationError({name: ["Unknown parameter."] for name in unknown})


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def metric_json(metric: Metric, metrics: dict[str, Metric]) -> dict[str, Any]:
    return {
        "key": metric.key,
        "label": str(metric.label),
        "builtin": metric.builtin,
        "source": metric.source,
        "measure": metric.measure,
        "unit": metric.unit,
        "date": metric.date,
        "person": metric.person,
        "conditions": list(metric.conditions),
        "amount": metric.amount,
        "duration": metric.duration,
        "numerator": metric.numerator,
        "denominator": metric.denominator,
        "higher_is_better": metric.higher_is_better,
        "groupings": list(groupings_for(metric, metrics)),
    }


class MetricOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    builtin = serializers.BooleanField()
    source = serializers.CharField()  # type: ignore[assignment]  # (a field named like DRF's attribute)
    measure = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "money", "percent", "days", "hours"])
    date = serializers.CharField()
    person = serializers.CharField()
    conditions = serializers.ListField(child=serializers.CharField())
    amount = serializers.CharField()
    duration = serializers.CharField()
    numerator = serializers.CharField()
    denominator = serializers.CharField()
    higher_is_better = serializers.BooleanField()
    groupings = serializers.ListField(child=serializers.CharField())


class GroupOutput(serializers.Serializer):
    keys = serializers.ListField(child=serializers.JSONField())
    labels = serializers.ListField(child=serializers.CharField(allow_null=True))
    value = serializers.JSONField(help_text="A number (money as a decimal string) or null.")
    count = serializers.IntegerField()


class MetricValueOutput(serializers.Serializer):
    metric = MetricOutput()
    period_from = serializers.DateField()
    to = serializers.DateField()
    currency = serializers.CharField(allow_null=True)
    value = serializers.JSONField(help_text="A number (money as a decimal string) or null.")
    count = serializers.IntegerField()
    missing_rates = serializers.ListField(child=serializers.CharField())
    capped = serializers.BooleanField()
    groups = GroupOutput(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("period_from")
        return fields


class RecordOutput(serializers.Serializer):
    id = serializers.IntegerField()
    card_id = serializers.IntegerField()
    title = serializers.CharField(allow_null=True)
    date = serializers.CharField(allow_null=True)
    person = serializers.CharField(allow_null=True)
    amount = serializers.CharField(required=False, allow_null=True)
    currency = serializers.CharField(required=False)


class MetricRecordsOutput(serializers.Serializer):
    record_type = serializers.CharField()
    next_offset = serializers.IntegerField(allow_null=True)
    results = RecordOutput(many=True)


class MetricInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    measure = serializers.ChoiceField(choices=list(MEASURES))
    source = serializers.ChoiceField(choices=list(SOURCES), required=False)  # type: ignore[assignment]
    date_field = serializers.CharField(max_length=20, required=False)
    person = serializers.CharField(max_length=20, required=False)
    conditions = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    amount = serializers.CharField(max_length=20, required=False)
    duration = serializers.CharField(max_length=20, required=False)
    numerator = serializers.CharField(max_length=40, required=False)
    denominator = serializers.CharField(max_length=40, required=False)
    higher_is_better = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True)


class MetricListApi(APIView):
    @extend_schema(
        responses=MetricOutput(many=True),
        description="Every metric: the built-in ones and the company's own, with the parts each "
        "is made of and the groupings it can be split by.",
    )
    def get(self, request):
        metrics = metrics_all()
        return Response([metric_json(metric, metrics) for metric in metrics.values()])

    @extend_schema(request=MetricInput, responses={201: MetricOutput})
    def post(self, request):
        data = MetricInput(data=request.data)
        data.is_valid(raise_exception=True)
        definition = metric_definition_create(actor=request.user, data=dict(data.validated_data))
        metrics = metrics_all()
        return Response(
            metric_json(metrics[definition.key], metrics), status=status.HTTP_201_CREATED
        )


class MetricValueApi(APIView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter(
                "group",
                str,
                description="Up to two groupings, comma-separated (a time grain such as `month`, "
                "the credited person such as `owner`, or one the metric lists).",
            ),
        ],
        responses=MetricValueOutput,
    )
    def get(self, request, key: str):
        _refuse_unknown(request, FILTER_NAMES | {"group"})
        metric = metric_get(key)
        metrics = metrics_all()
        filters = filters_from(request.query_params, user=request.user)
        groupings = [part for part in request.query_params.get("group", "").split(",") if part]
        known = groupings_for(metric, metrics)
        unknown = [part for part in groupings if part not in known]
        if unknown:
            raise ValidationError(
                {"group": [f"Not a grouping of this metric: {', '.join(unknown)}."]}
            )
        table = evaluate(
            metric,
            user=request.user,
            period=filters.period,
            scope=filters.scope,
            groupings=groupings,
            metrics=metrics,
        )
        groups = [
            {
                "keys": [_json(part) for part in group],
                "labels": [table.names[index].get(part) for index, part in enumerate(group)],
                "value": _json(cell.value),
                "count": cell.count,
            }
            for group, cell in table.cells.items()
            if len(group) == len(groupings) and group
        ]
        return Response(
            {
                "metric": metric_json(metric, metrics),
                "from": filters.period.start.isoformat(),
                "to": filters.period.end.isoformat(),
                "currency": base_currency() if metric.money else None,
                "value": _json(table.total.value),
                "count": table.total.count,
                "missing_rates": table.missing,
                "capped": table.capped,
                "groups": groups,
            }
        )


class MetricRecordsApi(APIView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("offset", int),
            OpenApiParameter("limit", int, description=f"At most {MAX_RECORDS}."),
        ],
        responses=MetricRecordsOutput,
        description="The records behind the figure (a ratio: its numerator's), newest first.",
    )
    def get(self, request, key: str):
        _refuse_unknown(request, FILTER_NAMES | {"offset", "limit"})
        metric = metric_get(key)
        metrics = metrics_all()
        filters = filters_from(request.query_params, user=request.user)
        errors = {}
        offset_text = request.query_params.get("offset", "0")
        limit_text = request.query_params.get("limit", "50")
        if not offset_text.isdigit() or int(offset_text) > 10_000:
            errors["offset"] = ["A whole number up to 10000."]
        if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_RECORDS:
            errors["limit"] = [f"A whole number from 1 to {MAX_RECORDS}."]
        if errors:
            raise ValidationError(errors)
        offset, limit = int(offset_text), int(limit_text)
        drill = metrics[metric.numerator] if metric.measure == "ratio" else metric
        queryset = records(
            metric, user=request.user, period=filters.period, scope=filters.scope, metrics=metrics
        )
        rows = list(drill_rows(drill, queryset)[offset : offset + limit + 1])
        return Response(
            {
                "record_type": drill.source,
                "next_offset": offset + limit if len(rows) > limit else None,
                "results": [
                    {
                        "id": row["row_pk"],
                        "card_id": row["row_card"],
                        "title": row["row_title"],
                        "date": _json(row["row_day"]),
                        "person": row["row_person"],
                        **(
                            {"amount": _json(row["row_amount"]), "currency": row["row_currency"]}
                            if drill.money
                            else {}
                        ),
                    }
                    for row in rows[:limit]
                ],
            }
        )


class StageOutput(serializers.Serializer):
    stage = serializers.IntegerField()
    name = serializers.CharField()
    is_won = serializers.BooleanField()
    is_lost = serializers.BooleanField()
    entered = serializers.IntegerField()
    reached = serializers.IntegerField()
    conversion = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True)
    stalled = serializers.IntegerField()


class FunnelOutput(serializers.Serializer):
    pipeline = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=list(MODES))
    deals = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    open = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    cycle_days = serializers.FloatField(allow_null=True)
    average_won = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    velocity = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    missing_rates = serializers.ListField(child=serializers.CharField())
    stages = StageOutput(many=True)


class FunnelApi(APIView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("pipeline", int, description="Default: the first pipeline."),
            OpenApiParameter(
                "mode",
                str,
                enum=list(MODES),
                description="cohort (default): deals created in the period; active: moves in it.",
            ),
            OpenApiParameter("segment", int, description="Only deals of this segment's contacts."),
        ],
        responses=FunnelOutput,
    )
    def get(self, request):
        _refuse_unknown(request, FILTER_NAMES | {"pipeline", "mode", "segment"})
        filters = filters_from(request.query_params, user=request.user)
        inputs = funnel_inputs(request.query_params)
        result = funnel(
            user=request.user,
            pipeline=inputs.pipeline,
            period=filters.period,
            scope=filters.scope,
            mode=inputs.mode,
            segment=inputs.segment,
        )
        return Response(
            {
                "pipeline": inputs.pipeline.pk,
                "mode": result.mode,
                "deals": result.deals,
                "won": result.won,
                "lost": result.lost,
                "open": result.open,
                "win_rate": result.win_rate,
                "cycle_days": result.cycle_days,
                "average_won": _json(result.average_won),
                "velocity": _json(result.velocity),
                "currency": base_currency(),
                "missing_rates": result.missing,
                "stages": [
                    {
                        "stage": row.stage.pk,
                        "name": row.stage.name,
                        "is_won": row.stage.is_won,
                        "is_lost": row.stage.is_lost,
                        "entered": row.entered,
                        "reached": row.reached,
                        "conversion": row.conversion,
                        "median_days": row.median_days,
                        "p90_days": row.p90_days,
                        "stalled": row.stalled,
                    }
                    for row in result.rows
                ],
            }
        )


class ForecastMonthOutput(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month (`total`: of the period).")
    won = serializers.DecimalField(max_digits=20, decimal_places=2)
    commit = serializers.DecimalField(max_digits=20, decimal_places=2)
    best_case = serializers.DecimalField(max_digits=20, decimal_places=2)
    pipeline = serializers.DecimalField(max_digits=20, decimal_places=2)
    weighted = serializers.DecimalField(max_digits=20, decimal_places=2)
    deals = serializers.IntegerField()


class ForecastOutput(serializers.Serializer):
    currency = serializers.CharField()
    months = ForecastMonthOutput(many=True)
    total = ForecastMonthOutput()
    omitted = serializers.IntegerField()
    undated = serializers.IntegerField()
    missing_rates = serializers.ListField(child=serializers.CharField())


def _month_json(bucket) -> dict[str, Any]:
    return {
        "month": bucket.month.isoformat(),
        "won": _json(bucket.won),
        **{category: _json(value) for category, value in bucket.by_category.items()},
        "weighted": _json(bucket.weighted),
        "deals": bucket.deals,
    }


class ForecastApi(APIView):
    @extend_schema(
        parameters=[
            *FILTER_PARAMETERS,
            OpenApiParameter("pipeline", int, description="Default: every pipeline."),
        ],
        responses=ForecastOutput,
        description="Open deals by expected close month and forecast category, weighted by "
        "probability, against revenue won (default period: this quarter).",
    )
    def get(self, request):
        _refuse_unknown(request, FILTER_NAMES | {"pipeline"})
        filters = filters_from(request.query_params, user=request.user, default="this_quarter")
        pipeline = None
        if request.query_params.get("pipeline"):
            pipeline = funnel_inputs(request.query_params).pipeline
        result = forecast(
            user=request.user, period=filters.period, scope=filters.scope, pipeline=pipeline
        )
        return Response(
            {
                "currency": base_currency(),
                "months": [_month_json(bucket) for bucket in result.months],
                "total": _month_json(result.total),
                "omitted": result.omitted,
                "undated": result.undated,
                "missing_rates": result.missing,
            }
        )
