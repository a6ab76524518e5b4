"""Goals through the API: list a period's goals with their attainment, set one, change or
delete it, and the cockpit's grid, all under the caller's visibility."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.goals.models import Goal
from crm_core.goals.periods import MONTHS_IN, goal_period
from crm_core.goals.selectors import Attainment, attainments, cockpit, goals_visible
from crm_core.goals.services import goal_delete, goal_set
from crm_core.workspace.services import fiscal_year_start

PERIOD_PARAMETERS = [
    OpenApiParameter("kind", str, enum=list(MONTHS_IN), description="month (default), quarter…"),
    OpenApiParameter("day", OpenApiTypes.DATE, description="A day in the period (default today)."),
]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def attainment_json(item: Attainment) -> dict[str, Any]:
    goal = item.goal
    return {
        "id": goal.pk,
        "metric": goal.metric,
        "metric_label": str(item.metric.label),
        "unit": item.metric.unit,
        "level": goal.level,
        "person": goal.person_id,
        "team": goal.team_id,
        "period_kind": goal.period_kind,
        "period_start": goal.period_start.isoformat(),
        "period_end": goal.period_end.isoformat(),
        "own_target": _text(goal.target),
        "team_target": goal.team_target,
        "ramp": goal.ramp,
        "target": _text(item.target),
        "fact": _text(item.fact),
        "share": item.share,
        "expected": _text(item.expected),
        "pace": item.pace,
        "forecast": _text(item.forecast),
        "status": item.status,
        "closed_at": goal.closed_at.isoformat() if goal.closed_at else None,
    }


class GoalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    metric = serializers.CharField()
    metric_label = serializers.CharField()
    unit = serializers.CharField()
    level = serializers.ChoiceField(choices=Goal.Level.choices)
    person = serializers.IntegerField(allow_null=True)
    team = serializers.IntegerField(allow_null=True)
    period_kind = serializers.ChoiceField(choices=Goal.PeriodKind.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    own_target = serializers.CharField(allow_null=True, help_text="As set (a decimal string).")
    team_target = serializers.ChoiceField(choices=Goal.TeamTarget.choices)
    ramp = serializers.ListField(child=serializers.IntegerField())
    target = serializers.CharField(
        allow_null=True, help_text="As it applies: ramped, or the sum of the members' targets."
    )
    fact = serializers.CharField(allow_null=True)
    share = serializers.FloatField(allow_null=True, help_text="Of the target, %.")
    expected = serializers.CharField(allow_null=True, help_text="Where the fact should be today.")
    pace = serializers.FloatField(allow_null=True, help_text="The fact against `expected`, %.")
    forecast = serializers.CharField(allow_null=True, help_text="At the period's end at this pace.")
    status = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)


class GoalInput(StrictSerializer):
    metric = serializers.CharField(max_length=60, required=False)
    level = serializers.ChoiceField(choices=Goal.Level.choices, required=False)
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    team = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    period_kind = serializers.ChoiceField(choices=Goal.PeriodKind.choices, required=False)
    day = serializers.DateField(required=False)
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    target = serializers.DecimalField(
        max_digits=18, decimal_places=2, required=False, allow_null=True
    )
    team_target = serializers.ChoiceField(choices=Goal.TeamTarget.choices, required=False)
    ramp = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=100), required=False, max_length=24
    )


def _period(request):
    unknown = sorted(set(request.query_params) - {"kind", "day"})
    if unknown:
        raise ValidationError({name: ["Unknown parameter."] for name in unknown})
    kind = request.query_params.get("kind", "month")
    if kind not in MONTHS_IN:
        raise ValidationError({"kind": [f"One of: {', '.join(MONTHS_IN)}."]})
    day = serializers.DateField().to_internal_value(
        request.query_params.get("day") or timezone.localdate().isoformat()
    )
    return kind, goal_period(kind, day, fiscal_year_start())


class GoalListApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=GoalOutput(many=True))
    def get(self, request):
        """The goals of the period the caller sees, each with its attainment."""
        kind, period = _period(request)
        goals = list(
            goals_visible(request.user)
            .filter(period_start__lte=period.end, period_end__gte=period.start)
            .filter(period_kind__in=[kind, Goal.PeriodKind.CUSTOM])
        )
        return Response([attainment_json(item) for item in attainments(goals)])

    @extend_schema(request=GoalInput, responses={201: GoalOutput})
    def post(self, request):
        data = GoalInput(data=request.data)
        data.is_valid(raise_exception=True)
        goal = goal_set(actor=request.user, data=dict(data.validated_data))
        goal = goals_visible(request.user).get(pk=goal.pk)
        return Response(attainment_json(attainments([goal])[0]), status=status.HTTP_201_CREATED)


class GoalApi(APIView):
    def _goal(self, request, pk: int) -> Goal:
        goal = goals_visible(request.user).filter(pk=pk).first()
        if goal is None:
            raise Http404
        return goal

    @extend_schema(responses=GoalOutput)
    def get(self, request, pk: int):
        return Response(attainment_json(attainments([self._goal(request, pk)])[0]))

    @extend_schema(request=GoalInput, responses=GoalOutput)
    def patch(self, request, pk: int):
        goal = self._goal(request, pk)
        data = GoalInput(data=request.data)
        data.is_valid(raise_exception=True)
        goal_set(actor=request.user, data=dict(data.validated_data), goal=goal)
        return Response(attainment_json(attainments([self._goal(request, pk)])[0]))

    def delete(self, request, pk: int):
        goal_delete(actor=request.user, goal=self._goal(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CockpitRowOutput(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    goals = GoalOutput(many=True)
    previous = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        help_text="The previous period's fact by metric key.",
    )


class CockpitOutput(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    metrics = serializers.ListField(child=serializers.CharField())
    rows = CockpitRowOutput(many=True)
    leaders = serializers.ListField(child=serializers.DictField())


class CockpitApi(APIView):
    @extend_schema(parameters=PERIOD_PARAMETERS, responses=CockpitOutput)
    def get(self, request):
        """People x KPIs for the period, with the previous period's facts and the leaderboard."""
        kind, period = _period(request)
        board = cockpit(request.user, kind, period)
        return Response(
            {
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "metrics": [metric.key for metric in board.metrics],
                "rows": [
                    {
                        "person": person.pk,
                        "name": person.full_name,
                        "goals": [attainment_json(item) for item, _ in cells.values()],
                        "previous": {key: _text(previous) for key, (_, previous) in cells.items()},
                    }
                    for person, cells in board.rows
                ],
                "leaders": [
                    {"person": person.pk, "name": person.full_name, "share": share, "goals": n}
                    for person, share, n in board.leaders
                ],
            }
        )
