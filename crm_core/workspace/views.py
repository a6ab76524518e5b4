"""Tenant admins shape the CRM's lists: lifecycle stages, interaction topics and outcomes."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.activities.models import InteractionOutcome, InteractionTopic
from crm_core.activities.selectors import my_tasks
from crm_core.activities.services import call_rule_get, call_rule_save
from crm_core.analytics.selectors import home_context
from crm_core.common.text import decimal_from_text
from crm_core.deals.selectors import deals_visible
from crm_core.goals.selectors import attainment_row, attainments, my_goals
from crm_core.parties.models import LifecycleStage
from crm_core.parties.selectors import contacts_visible
from crm_core.support.selectors import CLOSED_STATUSES, tickets_visible
from crm_core.workspace.forms import (
    CallRuleForm,
    OutcomeForm,
    OwnRequisitesForm,
    StageForm,
    TopicForm,
)
from crm_core.workspace.models import ExchangeRate, WorkspaceSettings
from crm_core.workspace.services import (
    OWN_REQUISITE_FIELDS,
    base_currency,
    exchange_rate_add,
    own_requisites,
    own_requisites_save,
)
from tenants.identity.roles import Role
from tenants.identity.selectors.users import api_tokens_of, invitations_pending, staff_list
from tenants.identity.services.users import seats_used
from tenants.identity.views.team import team_manager_required
from tenants.typing import StaffRequest

HOME_ROWS = 8


def dashboard(request: StaffRequest) -> HttpResponse:
    """The home page: the tiles of the user's dashboard (their role's figures, trends, leaders
    and funnel, or their own choice), their own work (tasks due, open deals or requests, their
    clients changed last); owners and administrators also see the workspace's set-up and team."""
    user = request.user
    tasks = my_tasks(user=user)
    context: dict[str, Any] = home_context(user=user, query=request.GET)
    context |= {
        "my_goals": [attainment_row(item, base_currency()) for item in attainments(my_goals(user))],
        "overdue": list(tasks["overdue"][:HOME_ROWS]),
        "today": list(tasks["today"][:HOME_ROWS]),
        "recent_clients": list(
            contacts_visible(user=user)
            .filter(owner=user, archived_at=None)
            .order_by("-updated_at")[:HOME_ROWS]
        ),
    }
    if user.has_perm("crm_core.add_deal"):
        context["my_deals"] = list(
            deals_visible(user=user)
            .filter(owner=user, closed_at=None)
            .order_by(F("expected_close").asc(nulls_last=True), "-id")[:HOME_ROWS]
        )
    if user.role == Role.SUPPORT or user.can_manage_team:
        context["my_tickets"] = list(
            tickets_visible(user=user)
            .filter(assignee=user)
            .exclude(status__in=CLOSED_STATUSES)
            .order_by("sla_due_at", "id")[:HOME_ROWS]
        )
    if user.can_manage_team:
        members = list(staff_list().filter(is_active=True)[:HOME_ROWS])
        context.update(
            members=members,
            seats_used=seats_used(),
            pending_invitations=invitations_pending().count(),
            has_token=api_tokens_of(user=user).exists(),
            team_size=len(members),
        )
    return render(request, "crm_core/workspace/dashboard.html", context)


def exchange_rates(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.can_manage_team:
            raise PermissionDenied(_("Only the owner and administrators manage currencies."))
        if "base_currency" in request.POST:
            code = request.POST["base_currency"].strip().upper()
            if len(code) == 3 and code.isalpha():
                WorkspaceSettings.objects.update_or_create(pk=1, defaults={"base_currency": code})
                messages.success(request, _("Base currency saved."))
            else:
                messages.error(request, _("A currency is a three-letter code such as RUB."))
        else:
            try:
                exchange_rate_add(
                    currency=request.POST.get("currency", ""),
                    valid_from=parse_date(request.POST.get("valid_from", "")) or None,
                    rate=decimal_from_text(request.POST.get("rate", "")),
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Rate added."))
        return redirect("exchange_rates")
    return render(
        request,
        "crm_core/workspace/exchange_rates.html",
        {"rates": ExchangeRate.objects.all()[:200], "base": base_currency()},
    )


LISTS = {
    "stages": (LifecycleStage, StageForm),
    "topics": (InteractionTopic, TopicForm),
    "outcomes": (InteractionOutcome, OutcomeForm),
}


def _settings_page(request: StaffRequest, call_form: CallRuleForm | None = None) -> HttpResponse:
    context: dict[str, Any] = {
        name: [
            (item, form_class(instance=item, prefix=f"{name}-{item.pk}"))
            for item in model._default_manager.all()
        ]
        for name, (model, form_class) in LISTS.items()
    }
    context.update(
        {
            f"new_{name}": form_class(prefix=f"{name}-new")
            for name, (_model, form_class) in LISTS.items()
        }
    )
    context["call_form"] = call_form or CallRuleForm.of(call_rule_get())
    return render(request, "crm_core/workspace/settings.html", context)


@team_manager_required
def crm_settings(request: StaffRequest) -> HttpResponse:
    return _settings_page(request)


@require_POST
@team_manager_required
def call_rule_save_view(request: StaffRequest) -> HttpResponse:
    """The inbound call rule; a refused one shows again with its errors, nothing saved."""
    form = CallRuleForm.of(call_rule_get(), request.POST)
    if form.is_valid():
        try:
            call_rule_save(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The inbound call rule is saved."))
            return redirect(reverse("crm_settings") + "#call-rule")
    return _settings_page(request, call_form=form)


@require_POST
@team_manager_required
def crm_list_save(request: StaffRequest, name: str, pk: int | None = None) -> HttpResponse:
    if name not in LISTS:
        raise Http404
    model, form_class = LISTS[name]
    instance = get_object_or_404(model, pk=pk) if pk else None
    prefix = f"{name}-{pk}" if pk else f"{name}-new"
    form = form_class(request.POST, instance=instance, prefix=prefix)
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
    else:
        errors = "; ".join(
            f"{form.fields[field].label}: {' '.join(map(str, messages_))}"
            if field in form.fields
            else " ".join(map(str, messages_))
            for field, messages_ in form.errors.items()
        )
        messages.error(request, errors)
    return redirect("crm_settings")


@team_manager_required
def own_requisites_view(request: StaffRequest) -> HttpResponse:
    """The company's own requisites: the seller on its invoices."""
    row = own_requisites()
    form = OwnRequisitesForm(
        request.POST or None,
        initial={name: getattr(row, name) for name in OWN_REQUISITE_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            own_requisites_save(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The company's details are saved."))
            return redirect("own_requisites")
    return render(request, "crm_core/workspace/requisites.html", {"form": form, "row": row})
