"""Goals through the API: list a period's goals with their attainment, set one, change or
delete it, and the cockpit's grid, all under the caller's visibility."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictSerializer
from crm_core.analytics.periods import Period
from crm_core.goals.models import BonusPlan, Goal
from crm_core.goals.motivation import (
    StatementView,
    adjustment_add,
    month_of,
    plan_approve,
    plan_delete,
    plan_save,
    statement_people,
    statement_view,
)
from crm_core.goals.periods import MONTHS_IN, goal_period
from crm_core.goals.selectors import (
    COCKPIT_PAGE,
    Attainment,
    attainments,
    cockpit,
    goals_visible,
)
from crm_core.goals.services import goal_delete, goal_set
from crm_core.parties.selectors import owners_assignable
from crm_core.workspace.services import base_currency, fiscal_year_start
from tenants.identity.models import User

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


def _period(request, extra: frozenset[str] = frozenset()):
    unknown = sorted(set(request.query_params) - {"kind", "day"} - extra)
    if unknown:
        raise ValidationError({name: ["Unknown parameter."] for name in unknown})
    kind = request.query_params.get("kind", "month")
    if kind not in MONTHS_IN:
        raise ValidationError({"kind": [f"One of: {', '.join(MONTHS_IN)}."]})
    try:
        day = serializers.DateField().to_internal_value(
            request.query_params.get("day") or timezone.localdate().isoformat()
        )
    except ValidationError as error:
        raise ValidationError({"day": error.detail}) from None
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
    people = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    leaders = serializers.ListField(child=serializers.DictField())


class CockpitApi(APIView):
    @extend_schema(
        parameters=[
            *PERIOD_PARAMETERS,
            OpenApiParameter("page", int, description=f"{COCKPIT_PAGE} people a page."),
        ],
        responses=CockpitOutput,
    )
    def get(self, request):
        """People x KPIs for the period, a page of people at a time, with the previous
        period's facts and the leaderboard."""
        kind, period = _period(request, frozenset({"page"}))
        page = request.query_params.get("page", "1")
        if not page.isdigit():
            raise ValidationError({"page": ["A page number."]})
        board = cockpit(request.user, kind, period, page=int(page))
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
                "people": board.people,
                "page": board.page,
                "pages": board.pages,
                "leaders": [
                    {"person": person.pk, "name": person.full_name, "share": share, "goals": n}
                    for person, share, n in board.leaders
                ],
            }
        )


# --- Motivation ----------------------------------------------------------------------------------


class PlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    basis = serializers.ChoiceField(choices=BonusPlan.Basis.choices)
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    people = serializers.ListField(child=serializers.IntegerField())
    roles = serializers.ListField(child=serializers.CharField())
    components = serializers.ListField(child=serializers.DictField())
    gates = serializers.ListField(child=serializers.DictField())
    cap = serializers.CharField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)


def plan_json(plan: BonusPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "name": plan.name,
        "version": plan.version,
        "basis": plan.basis,
        "effective_from": plan.effective_from.isoformat(),
        "effective_to": plan.effective_to.isoformat() if plan.effective_to else None,
        "people": sorted(plan.people.values_list("pk", flat=True)),
        "roles": plan.roles,
        "components": plan.components,
        "gates": plan.gates,
        "cap": _text(plan.cap),
        "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
    }


class PlanInput(StrictSerializer):
    name = serializers.CharField(max_length=120, required=False)
    basis = serializers.ChoiceField(choices=BonusPlan.Basis.choices, required=False)
    effective_from = serializers.DateField(required=False)
    people = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False)
    roles = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
    components = serializers.ListField(child=serializers.DictField(), required=False)
    gates = serializers.ListField(child=serializers.DictField(), required=False)
    cap = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)

    def validate_people(self, value: list[int]) -> list[User]:
        people = list(owners_assignable().filter(pk__in=value))
        if len(people) != len(set(value)):
            raise ValidationError("Not every id is an active colleague's.")
        return people


def _plans_for(request) -> Any:
    plans = BonusPlan.objects.prefetch_related("people")
    if not request.user.can_manage_team:
        plans = plans.filter(approved_at__isnull=False)
    return plans


class PlanListApi(APIView):
    @extend_schema(responses=PlanOutput(many=True))
    def get(self, request):
        """The bonus plans: every version for the owner and administrators, approved ones for
        others."""
        return Response([plan_json(plan) for plan in _plans_for(request)])

    @extend_schema(request=PlanInput, responses={201: PlanOutput})
    def post(self, request):
        data = PlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = plan_save(actor=request.user, data=dict(data.validated_data))
        return Response(plan_json(plan), status=status.HTTP_201_CREATED)


class PlanApi(APIView):
    def _plan(self, request, pk: int) -> BonusPlan:
        plan = _plans_for(request).filter(pk=pk).first()
        if plan is None:
            raise Http404
        return plan

    @extend_schema(responses=PlanOutput)
    def get(self, request, pk: int):
        return Response(plan_json(self._plan(request, pk)))

    @extend_schema(request=PlanInput, responses=PlanOutput)
    def patch(self, request, pk: int):
        data = PlanInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = plan_save(
            actor=request.user, data=dict(data.validated_data), plan=self._plan(request, pk)
        )
        return Response(plan_json(plan))

    def delete(self, request, pk: int):
        plan_delete(actor=request.user, plan=self._plan(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanApproveApi(APIView):
    @extend_schema(request=None, responses=PlanOutput)
    def post(self, request, pk: int):
        """The owner approves a draft: it is locked and takes effect."""
        plan = get_object_or_404(BonusPlan, pk=pk)
        return Response(plan_json(plan_approve(actor=request.user, plan=plan)))


class LineOutput(serializers.Serializer):
    kind = serializers.CharField()
    component = serializers.CharField()
    record_type = serializers.CharField()
    record_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    base = serializers.CharField(allow_null=True)
    rate = serializers.CharField(allow_null=True)
    tier = serializers.CharField()
    amount = serializers.CharField()
    note = serializers.CharField()


class StatementOutput(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField()
    month = serializers.CharField()
    plan = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    currency = serializers.CharField()
    lines_total = serializers.CharField()
    adjustments = serializers.ListField(child=serializers.DictField())
    total = serializers.CharField()
    lines = LineOutput(many=True)


def statement_json(view: StatementView, *, lines: bool = True) -> dict[str, Any]:
    closed = view.closed
    return {
        "person": view.person.pk,
        "name": view.person.full_name,
        "month": view.period.start.strftime("%Y-%m"),
        "plan": view.plan.pk if view.plan else None,
        "closed_at": closed.closed_at.isoformat() if closed else None,
        "acknowledged_at": closed.acknowledged_at.isoformat()
        if closed and closed.acknowledged_at
        else None,
        "currency": base_currency(),
        "lines_total": str(view.lines_total),
        "adjustments": [
            {"amount": str(item.amount), "reason": item.reason, "by": item.created_by_id}
            for item in view.adjustments
        ],
        "total": str(view.total),
        "lines": [
            {
                "kind": line.kind,
                "component": line.component,
                "record_type": line.record_type,
                "record_id": line.record_id,
                "title": line.title,
                "base": _text(line.base),
                "rate": _text(line.rate),
                "tier": line.tier,
                "amount": str(line.amount),
                "note": line.note,
            }
            for line in view.lines
        ]
        if lines
        else [],
    }


def _month_param(request, value: str | None) -> Period:
    text = value or timezone.localdate().strftime("%Y-%m")
    try:
        day = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValidationError({"month": ["A month as YYYY-MM."]}) from None
    return month_of(day)


class StatementListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM (default this month).")],
        responses=StatementOutput(many=True),
    )
    def get(self, request):
        """The month's statements of the people the caller sees (their lines left out)."""
        unknown = sorted(set(request.query_params) - {"month"})
        if unknown:
            raise ValidationError({name: ["Unknown parameter."] for name in unknown})
        period = _month_param(request, request.query_params.get("month"))
        views = [statement_view(person, period) for person in statement_people(request.user)]
        return Response(
            [statement_json(view, lines=False) for view in views if view.plan or view.adjustments]
        )


class StatementApi(APIView):
    @extend_schema(responses=StatementOutput)
    def get(self, request, pk: int, month: str):
        """One person's statement for a month: each line explains itself."""
        person = statement_people(request.user).filter(pk=pk).first()
        if person is None:
            raise Http404
        return Response(statement_json(statement_view(person, _month_param(request, month))))


class AdjustmentInput(StrictSerializer):
    person = serializers.IntegerField(min_value=1)
    month = serializers.RegexField(r"^[0-9]{4}-[0-9]{2}$")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    reason = serializers.CharField(max_length=500)


class AdjustmentApi(APIView):
    @extend_schema(request=AdjustmentInput, responses={201: StatementOutput})
    def post(self, request):
        """A manager's adjustment to a person's month, with its reason."""
        data = AdjustmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        person = statement_people(request.user).filter(pk=values["person"]).first()
        if person is None:
            raise ValidationError({"person": ["No one whose statements you see has this id."]})
        period = _month_param(request, values["month"])
        adjustment_add(
            actor=request.user,
            person=person,
            period_start=period.start,
            amount=values["amount"],
            reason=values["reason"],
        )
        return Response(
            statement_json(statement_view(person, period)), status=status.HTTP_201_CREATED
        )
