"""The motivation pages: bonus plans (drafted, approved, versioned), a month's statements
(closing the month, export for payroll), one person's statement (lines that explain
themselves, adjustments, acknowledgement, questions), and a deal's credit and what-if."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.analytics.display import figure_text
from crm_core.analytics.periods import Period, day_from
from crm_core.common.spreadsheets import table_download
from crm_core.common.visibility import can_assign_owners
from crm_core.deals.models import CreditSplit, Deal
from crm_core.deals.selectors import deal_get_for_user
from crm_core.deals.services import deal_credit_set
from crm_core.goals.forms import (
    AdjustmentForm,
    ComponentFormSet,
    PlanForm,
    SplitFormSet,
    component_initial,
    components_from,
    gates_as_text,
    gates_from_text,
)
from crm_core.goals.models import BonusPlan, LineQuestion, Statement, StatementLine
from crm_core.goals.motivation import (
    adjustment_add,
    line_question,
    manages,
    month_close,
    month_of,
    plan_approve,
    plan_delete,
    plan_new_version,
    plan_save,
    question_answer,
    statement_acknowledge,
    statement_people,
    statement_view,
    what_if,
)
from crm_core.history.selectors import record_history
from crm_core.parties.selectors import owners_assignable
from crm_core.workspace.services import base_currency
from tenants.identity.models import User
from tenants.typing import StaffRequest


def _month(text: str | None) -> Period:
    day = day_from(f"{text}-01") if text else None
    return month_of(day or timezone.localdate())


def _money(value: Decimal | None) -> str:
    return figure_text(value, "money", base_currency())


# --- Plans -----------------------------------------------------------------------------------


def plan_list(request: StaffRequest) -> HttpResponse:
    plans = BonusPlan.objects.prefetch_related("people").select_related("approved_by")
    if not request.user.can_manage_team:
        plans = plans.filter(approved_at__isnull=False)
    return render(request, "crm_core/goals/plan_list.html", {"plans": plans})


def plan_new(request: StaffRequest) -> HttpResponse:
    return _plan_edit(request, None)


def plan_detail(request: StaffRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(BonusPlan, pk=pk)
    if not plan.is_locked and not request.user.can_manage_team:
        raise Http404
    return _plan_edit(request, plan)


def _plan_edit(request: StaffRequest, plan: BonusPlan | None) -> HttpResponse:
    editable = request.user.can_manage_team and (plan is None or not plan.is_locked)
    if plan is None and not request.user.can_manage_team:
        raise PermissionDenied(_("Only the owner and administrators draft bonus plans."))
    people = owners_assignable().order_by("full_name")
    initial: dict[str, Any] = {"basis": "won", "effective_from": timezone.localdate()}
    components: list[dict] = []
    if plan is not None:
        initial = {
            "name": plan.name,
            "basis": plan.basis,
            "effective_from": plan.effective_from,
            "people": list(plan.people.values_list("pk", flat=True)),
            "roles": plan.roles,
            "cap": plan.cap or "",
            "gates": gates_as_text(plan.gates),
        }
        components = plan.components
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, initial=initial, people=people)
    formset = ComponentFormSet(data, initial=component_initial(components), prefix="parts")
    part_errors: dict[str, list[str]] = {}
    if not editable:
        for shown in [form, *formset.forms]:
            for field in shown.fields.values():
                field.disabled = True
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(
                _("An approved plan is locked; make a new version to change it.")
            )
        if form.is_valid() and formset.is_valid():
            fields = {
                "name": form.cleaned_data["name"],
                "basis": form.cleaned_data["basis"],
                "effective_from": form.cleaned_data["effective_from"],
                "people": list(form.cleaned_data["people"]),
                "roles": form.cleaned_data["roles"],
                "cap": form.cleaned_data["cap"] or None,
                "gates": gates_from_text(form.cleaned_data["gates"]),
                "components": components_from(formset),
            }
            try:
                saved = plan_save(actor=request.user, data=fields, plan=plan)
            except ValidationError as error:
                part_errors = {
                    key: value
                    for key, value in error.message_dict.items()
                    if key.startswith(("components", "gates"))
                }
                other = {
                    key: value
                    for key, value in error.message_dict.items()
                    if key not in part_errors
                }
                if other:
                    errors_into(form, ValidationError(other))
            else:
                messages.success(request, _("Plan saved."))
                return redirect("plan_detail", pk=saved.pk)
    context = {
        "plan": plan,
        "form": form,
        "formset": formset,
        "editable": editable,
        "part_errors": part_errors,
        "history": record_history(plan) if plan else [],
        "can_approve": plan is not None and not plan.is_locked and request.user.role == "owner",
    }
    return render(request, "crm_core/goals/plan.html", context, status=400 if part_errors else 200)


@require_POST
def plan_action(request: StaffRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(BonusPlan, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "approve":
            plan_approve(actor=request.user, plan=plan)
            messages.success(request, _("Plan approved and locked."))
        elif action == "version":
            day = day_from(request.POST.get("effective_from", ""))
            if day is None:
                raise ValidationError(_("Enter the day the new version takes effect."))
            copy = plan_new_version(actor=request.user, plan=plan, effective_from=day)
            messages.success(request, _("A new version is drafted: change it and approve it."))
            return redirect("plan_detail", pk=copy.pk)
        elif action == "delete":
            plan_delete(actor=request.user, plan=plan)
            messages.success(request, _("Draft deleted."))
            return redirect("plan_list")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("plan_detail", pk=pk)


# --- Statements --------------------------------------------------------------------------------


def statement_list(request: StaffRequest) -> HttpResponse:
    period = _month(request.GET.get("month"))
    rows = []
    for person in statement_people(request.user):
        view = statement_view(person, period)
        if view.plan is None and not view.adjustments:
            continue
        rows.append((person, view))
    context = {
        "period": period,
        "month": period.start.strftime("%Y-%m"),
        "previous": month_of(period.start.replace(day=1) - timedelta(days=1)),
        "next": month_of(period.end + timedelta(days=1)),
        "rows": [
            {
                "person": person,
                "view": view,
                "total": _money(view.total),
                "adjusted": _money(sum((a.amount for a in view.adjustments), Decimal(0))),
            }
            for person, view in rows
        ],
        "closable": period.end < timezone.localdate()
        and any(view.closed is None for _person, view in rows)
        and (request.user.can_manage_team or request.user.role == "sales_head"),
    }
    return render(request, "crm_core/goals/statement_list.html", context)


@require_POST
def month_close_view(request: StaffRequest) -> HttpResponse:
    period = _month(request.POST.get("month"))
    try:
        goals, statements = month_close(actor=request.user, day=period.start)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(month)s is closed: %(goals)s, %(statements)s.")
            % {
                "month": period.start.strftime("%Y-%m"),
                "goals": ngettext("%(n)s goal frozen", "%(n)s goals frozen", goals) % {"n": goals},
                "statements": ngettext(
                    "%(n)s statement closed", "%(n)s statements closed", statements
                )
                % {"n": statements},
            },
        )
    return redirect(f"{reverse('statement_list')}?month={period.start:%Y-%m}")


def _person_for(request: StaffRequest, pk: int) -> User:
    person = statement_people(request.user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def statement_detail(request: StaffRequest, pk: int, month: str) -> HttpResponse:
    person = _person_for(request, pk)
    period = _month(month)
    view = statement_view(person, period)
    can_adjust = manages(request.user, person)
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST":
        if not can_adjust:
            raise PermissionDenied(_("You do not adjust this person's bonus."))
        if form.is_valid():
            try:
                adjustment_add(
                    actor=request.user,
                    person=person,
                    period_start=period.start,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                errors_into(form, error)
            else:
                messages.success(request, _("Adjustment added."))
                return redirect(request.path)
    records = {"deal": "deal_detail", "order": "order_detail"}
    lines = [
        {
            "line": line,
            "link": reverse(records[line.record_type], args=[line.record_id])
            if line.record_type in records and line.record_id
            else "",
            "base": ""
            if line.base is None
            else _money(line.base)
            if line.kind != "bonus"
            else figure_text(line.base, "percent"),
            "rate": "" if line.rate is None else figure_text(line.rate, "percent"),
            "amount": _money(line.amount),
            "questions": list(line.questions.all()) if isinstance(line, StatementLine) else [],
        }
        for line in view.lines
    ]
    context = {
        "person": person,
        "period": period,
        "view": view,
        "lines": lines,
        "lines_total": _money(view.lines_total),
        "total": _money(view.total),
        "adjustments": [(item, _money(item.amount)) for item in view.adjustments],
        "form": form,
        "can_adjust": can_adjust,
        "mine": person.pk == request.user.pk,
    }
    return render(request, "crm_core/goals/statement.html", context)


@require_POST
def statement_acknowledge_view(request: StaffRequest, pk: int, month: str) -> HttpResponse:
    period = _month(month)
    statement = get_object_or_404(Statement, person=pk, period_start=period.start)
    statement_acknowledge(actor=request.user, statement=statement)
    messages.success(request, _("Statement acknowledged."))
    return redirect("statement_detail", pk=pk, month=month)


@require_POST
def line_question_view(request: StaffRequest, line_pk: int) -> HttpResponse:
    line = get_object_or_404(StatementLine.objects.select_related("statement"), pk=line_pk)
    statement = line.statement
    _person_for(request, statement.person_id)
    try:
        line_question(actor=request.user, line=line, text=request.POST.get("text", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your question is sent to your manager."))
    return redirect(
        "statement_detail", pk=statement.person_id, month=f"{statement.period_start:%Y-%m}"
    )


@require_POST
def question_answer_view(request: StaffRequest, question_pk: int) -> HttpResponse:
    question = get_object_or_404(
        LineQuestion.objects.select_related("line__statement"), pk=question_pk
    )
    statement = question.line.statement
    _person_for(request, statement.person_id)
    try:
        question_answer(
            actor=request.user, question=question, answer=request.POST.get("answer", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(
        "statement_detail", pk=statement.person_id, month=f"{statement.period_start:%Y-%m}"
    )


def statements_export(request: StaffRequest, file_format: str) -> HttpResponse:
    """A month's statements for payroll: one row per person, lines and adjustments apart."""
    period = _month(request.GET.get("month"))
    headers = [
        _("Person"),
        _("Email"),
        _("Month"),
        _("Plan"),
        _("From the records"),
        _("Adjustments"),
        _("Total"),
        _("Currency"),
        _("Closed"),
        _("Acknowledged"),
    ]
    rows = []
    for person in statement_people(request.user):
        view = statement_view(person, period)
        if view.plan is None and not view.adjustments:
            continue
        closed = view.closed
        rows.append(
            [
                person.full_name,
                person.email,
                period.start.strftime("%Y-%m"),
                str(view.plan or ""),
                view.lines_total,
                view.total - view.lines_total,
                view.total,
                base_currency(),
                closed.closed_at.date().isoformat() if closed else "",
                closed.acknowledged_at.date().isoformat()
                if closed and closed.acknowledged_at
                else "",
            ]
        )
    rows = [[float(v) if isinstance(v, Decimal) else v for v in row] for row in rows]
    return table_download(f"bonus-{period.start:%Y-%m}", headers, rows, file_format)


# --- A deal's credit and what-if ----------------------------------------------------------------


def deal_credit(request: StaffRequest, pk: int) -> HttpResponse:
    """The deal page's credit card: who the sale counts for, split by a manager, and what
    winning it today adds to its owner's bonus."""
    deal: Deal = deal_get_for_user(user=request.user, pk=pk)
    can_split = can_assign_owners(request.user)
    splits = list(deal.credit_splits.select_related("person"))
    people = owners_assignable().order_by("full_name")
    initial = [
        {"person": split.person_id, "share": split.share, "kind": split.kind} for split in splits
    ]
    data = request.POST if request.method == "POST" else None
    formset = SplitFormSet(data, initial=initial, prefix="splits", form_kwargs={"people": people})
    errors: list[str] = []
    if request.method == "POST":
        if not can_split:
            raise PermissionDenied(_("Your role does not split credit."))
        if formset.is_valid():
            rows = [
                {
                    "person": form.cleaned_data["person"],
                    "share": form.cleaned_data["share"],
                    "kind": form.cleaned_data["kind"] or "revenue",
                }
                for form in formset.forms
                if form.cleaned_data.get("person")
            ]
            try:
                deal_credit_set(actor=request.user, deal=deal, splits=rows)
            except ValidationError as error:
                errors = [
                    message for messages_ in error.message_dict.values() for message in messages_
                ]
            else:
                messages.success(request, _("Credit split saved."))
                done = HttpResponse(status=204)
                done["HX-Redirect"] = reverse("deal_detail", args=[deal.pk])
                return done
    gain = what_if(deal)
    context = {
        "deal": deal,
        "splits": splits,
        "formset": formset,
        "errors": errors,
        "can_split": can_split,
        "gain": _money(gain) if gain is not None else "",
        "kinds": dict(CreditSplit.Kind.choices),
    }
    # an htmx swap shows the errors only from a 200
    return render(request, "crm_core/goals/_deal_credit.html", context)
