"""The deal board (kanban per pipeline), deal cards and forms, and the pipelines' settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from config.pagination import paginate
from crm_core.activities.notes import notes_context
from crm_core.commerce.models import Product
from crm_core.common.services import EditConflict
from crm_core.common.text import decimal_from_text
from crm_core.deals.filters import BOARD_FILTERS, DealFilter, DealStatus
from crm_core.deals.forms import DealForm, PipelineSettingsForm, StageSettingsForm
from crm_core.deals.models import Pipeline, PipelineStage
from crm_core.deals.pipelines import (
    pipeline_archive,
    pipeline_save,
    pipelines_active,
    stage_archive,
    stage_save,
    stage_shift,
    stages_active,
)
from crm_core.deals.selectors import (
    DEAL_ORDERING,
    deal_get_for_user,
    deals_sortable,
    deals_visible,
    pipeline_board,
    pipeline_forecast,
)
from crm_core.deals.services import (
    DealLineRequest,
    deal_create,
    deal_lines_set,
    deal_move,
    deal_update,
    deals_check,
)
from crm_core.history.selectors import record_history
from crm_core.jobs.downloads import list_export
from crm_core.lists.screens import list_screen_context
from crm_core.parties.selectors import owners_assignable
from crm_core.proposals.screens import deal_documents_context
from tenants.identity.views.team import team_manager_required
from tenants.typing import StaffRequest


def _pipeline(request: StaffRequest) -> Pipeline | None:
    value = request.GET.get("pipeline", "")
    pipelines = pipelines_active()
    return (pipelines.filter(pk=int(value)).first() if value.isdigit() else None) or (
        pipelines.first()
    )


def _filter_problem(filterset: DealFilter) -> str:
    return " ".join(
        f"{filterset.form.fields[name].label}: {' '.join(errors)}"
        for name, errors in filterset.form.errors.items()
    )


def _filters_context(filterset: DealFilter) -> dict:
    pipelines = pipelines_active().prefetch_related("stages")
    return {
        "filters": filterset.form,
        "filter_error": _filter_problem(filterset) if filterset.form.errors else None,
        "pipelines": pipelines,
        "owners": owners_assignable(),
        "statuses": DealStatus.CHOICES,
    }


def deal_board(request: StaffRequest) -> HttpResponse:
    pipeline = _pipeline(request)
    filterset = DealFilter(
        {name: request.GET[name] for name in BOARD_FILTERS if name in request.GET},
        queryset=deals_visible(user=request.user),
    )
    context = _filters_context(filterset)
    query = request.GET if filterset.is_valid() else None
    context.update(
        {
            "pipeline": pipeline,
            "filtered": any(request.GET.get(name) for name in BOARD_FILTERS),
            "columns": (
                pipeline_board(user=request.user, pipeline=pipeline, query=query)
                if pipeline
                else []
            ),
            "forecast": (
                pipeline_forecast(user=request.user, pipeline=pipeline, query=query)
                if pipeline
                else None
            ),
        }
    )
    return render(request, "crm_core/deals/deal_board.html", context)


def deal_list(request: StaffRequest) -> HttpResponse:
    """The deals as a table: every pipeline, filtered, sorted, counted and exported."""
    visible = deals_visible(user=request.user)
    filterset = DealFilter(request.GET, queryset=visible)
    queryset = filterset.qs if filterset.is_valid() else visible.none()
    context = _filters_context(filterset)
    context["page"] = paginate(request, deals_sortable(queryset), DEAL_ORDERING)
    context.update(list_screen_context(request, "deal"))
    template = "crm_core/deals/_deal_rows.html" if request.htmx else "crm_core/deals/deal_list.html"
    return render(request, template, context)


def deal_export(request: StaffRequest, file_format: str) -> HttpResponseBase:
    return list_export(request, kind="deal", file_format=file_format, back=reverse("deal_list"))


def deal_create_view(request: StaffRequest) -> HttpResponse:
    deals_check(request.user, "add")
    pipeline = _pipeline(request)
    if pipeline is None:
        messages.error(request, _("Create a pipeline first."))
        return redirect("crm_settings")
    initial = {
        "stage": request.GET.get("stage") or stages_active(pipeline).first(),
        "currency": pipeline.currency,
        "contact": request.GET.get("contact"),
        "company": request.GET.get("company"),
    }
    form = DealForm(request.POST or None, user=request.user, pipeline=pipeline, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            deal = deal_create(
                actor=request.user, data={**form.service_data(), "pipeline": pipeline}
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Deal created."))
            return redirect("deal_detail", deal.pk)
    return render(
        request, "crm_core/deals/deal_form.html", {"form": form, "deal": None, "pipeline": pipeline}
    )


def deal_detail(request: StaffRequest, pk: int) -> HttpResponse:
    deal = deal_get_for_user(user=request.user, pk=pk)
    moves = deal.moves.select_related("from_stage", "to_stage", "moved_by")[:50]
    return render(
        request,
        "crm_core/deals/deal_detail.html",
        {
            **notes_context(request, deal),
            "deal": deal,
            "moves": moves,
            "stages": deal.pipeline.stages.all(),
            "lines": deal.lines.select_related("product"),
            "products": Product.objects.filter(is_active=True),
            "history": record_history(deal),
            **deal_documents_context(deal, request.user),
        },
    )


@require_POST
def deal_lines_view(request: StaffRequest, pk: int) -> HttpResponse:
    """Add a product to the deal, or remove one (the deal's amount follows)."""
    deal = deal_get_for_user(user=request.user, pk=pk)
    lines = [
        DealLineRequest(line.product, line.quantity, line.unit_price, line.discount_percent)
        for line in deal.lines.select_related("product")
        if str(line.pk) != request.POST.get("remove")
    ]
    if "product" in request.POST:
        product = Product.objects.filter(pk=request.POST.get("product") or 0).first()
        quantity = decimal_from_text(request.POST.get("quantity") or "")
        price_text = (request.POST.get("unit_price") or "").strip()
        unit_price = decimal_from_text(price_text) if price_text else None
        discount = decimal_from_text(request.POST.get("discount_percent") or "0")
        problems = []
        if product is None:
            problems.append(_("Choose a product."))
        if quantity is None:
            problems.append(_("Enter the quantity as a number."))
        if price_text and unit_price is None:
            problems.append(_("Enter the price as a number, or leave it empty."))
        if discount is None:
            problems.append(_("Enter the discount as a number."))
        if problems or product is None or quantity is None or discount is None:
            messages.error(request, " ".join(problems))
            return redirect("deal_detail", deal.pk)
        lines.append(DealLineRequest(product, quantity, unit_price, discount))
    try:
        deal_lines_set(actor=request.user, deal=deal, lines=lines)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("deal_detail", deal.pk)


def deal_edit(request: StaffRequest, pk: int) -> HttpResponse:
    deals_check(request.user, "change")
    deal = deal_get_for_user(user=request.user, pk=pk)
    initial = {name: getattr(deal, name) for name in DealForm.base_fields if hasattr(deal, name)}
    initial["version"] = deal.version
    form = DealForm(
        request.POST or None,
        user=request.user,
        pipeline=deal.pipeline,
        editing=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            deal_update(
                actor=request.user,
                deal=deal,
                data=form.service_data(),
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form.add_error(None, conflict.messages)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("deal_detail", deal.pk)
    return render(
        request,
        "crm_core/deals/deal_form.html",
        {"form": form, "deal": deal, "pipeline": deal.pipeline},
    )


@require_POST
def deal_move_view(request: StaffRequest, pk: int) -> HttpResponse:
    """A move from the board (JSON) or from the deal card (form post)."""
    deal = deal_get_for_user(user=request.user, pk=pk)
    stage = get_object_or_404(PipelineStage, pk=request.POST.get("stage") or 0)
    position = request.POST.get("position", "")
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        deal_move(
            actor=request.user,
            deal=deal,
            stage=stage,
            position=int(position) if position.isdigit() else None,
        )
    except ValidationError as error:
        message = " ".join(error.messages)
        if wants_json:
            return JsonResponse(
                {"detail": message, "edit_url": f"/deals/{deal.pk}/edit/"}, status=400
            )
        messages.error(request, message)
        return redirect("deal_detail", deal.pk)
    if wants_json:
        return JsonResponse({"stage": stage.pk})
    messages.success(request, _("Moved to “%(stage)s”.") % {"stage": stage.name})
    return redirect("deal_detail", deal.pk)


def _settings_context(request: StaffRequest, failed: dict | None = None) -> dict:
    """Every pipeline with the forms of its stages; `failed` puts a refused form back with its
    errors, in place (keyed by its prefix)."""
    failed = failed or {}
    pipelines = []
    for pipeline in Pipeline.objects.prefetch_related("stages__required_products"):
        stages = [stage for stage in pipeline.stages.all() if stage.archived_at is None]
        prefix = f"pipeline-{pipeline.pk}"
        pipelines.append(
            {
                "pipeline": pipeline,
                "form": failed.get(prefix)
                or PipelineSettingsForm(
                    prefix=prefix, initial={"name": pipeline.name, "currency": pipeline.currency}
                ),
                "stages": [
                    (
                        stage,
                        failed.get(f"stage-{stage.pk}")
                        or StageSettingsForm(
                            prefix=f"stage-{stage.pk}", initial=StageSettingsForm.initial_of(stage)
                        ),
                    )
                    for stage in stages
                ],
                "archived_stages": [s for s in pipeline.stages.all() if s.archived_at is not None],
                "new_stage": failed.get(f"new-stage-{pipeline.pk}")
                or StageSettingsForm(
                    prefix=f"new-stage-{pipeline.pk}", initial={"probability": 50}
                ),
            }
        )
    return {
        "pipelines": pipelines,
        "new_pipeline": failed.get("new-pipeline") or PipelineSettingsForm(prefix="new-pipeline"),
    }


def _settings_page(request: StaffRequest, failed: dict | None = None) -> HttpResponse:
    return render(
        request,
        "crm_core/deals/pipeline_settings.html",
        _settings_context(request, failed),
        status=400 if failed else 200,
    )


@team_manager_required
def pipeline_settings(request: StaffRequest) -> HttpResponse:
    """The pipelines and their stages; POST adds a pipeline."""
    if request.method != "POST":
        return _settings_page(request)
    form = PipelineSettingsForm(request.POST, prefix="new-pipeline")
    if form.is_valid():
        try:
            pipeline = pipeline_save(actor=request.user, pipeline=None, data=form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Pipeline “%(name)s” added.") % {"name": pipeline.name})
            return redirect(f"{reverse('pipeline_settings')}#pipeline-{pipeline.pk}")
    return _settings_page(request, {"new-pipeline": form})


@require_POST
@team_manager_required
def pipeline_settings_save(request: StaffRequest, pk: int) -> HttpResponse:
    """Rename a pipeline or change its currency; archive or restore it (`action`)."""
    pipeline = get_object_or_404(Pipeline, pk=pk)
    action = request.POST.get("action", "save")
    back = f"{reverse('pipeline_settings')}#pipeline-{pipeline.pk}"
    if action in ("archive", "restore"):
        try:
            pipeline_archive(actor=request.user, pipeline=pipeline, archived=action == "archive")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect(back)
    form = PipelineSettingsForm(request.POST, prefix=f"pipeline-{pk}")
    if form.is_valid():
        try:
            pipeline_save(actor=request.user, pipeline=pipeline, data=form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return _settings_page(request, {f"pipeline-{pk}": form})


@require_POST
@team_manager_required
def pipeline_stage_add(request: StaffRequest, pk: int) -> HttpResponse:
    pipeline = get_object_or_404(Pipeline, pk=pk)
    form = StageSettingsForm(request.POST, prefix=f"new-stage-{pk}")
    if form.is_valid():
        try:
            stage_save(actor=request.user, pipeline=pipeline, stage=None, data=form.service_data())
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Stage added."))
            return redirect(f"{reverse('pipeline_settings')}#pipeline-{pk}")
    return _settings_page(request, {f"new-stage-{pk}": form})


@require_POST
@team_manager_required
def pipeline_stage_save(request: StaffRequest, pk: int, stage_pk: int) -> HttpResponse:
    """Save a stage; move it up or down; archive or restore it (`action`)."""
    stage = get_object_or_404(PipelineStage, pk=stage_pk, pipeline_id=pk)
    action = request.POST.get("action", "save")
    back = f"{reverse('pipeline_settings')}#pipeline-{pk}"
    try:
        if action in ("up", "down"):
            stage_shift(actor=request.user, stage=stage, by=-1 if action == "up" else 1)
            return redirect(back)
        if action in ("archive", "restore"):
            stage_archive(actor=request.user, stage=stage, archived=action == "archive")
            return redirect(back)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    form = StageSettingsForm(request.POST, prefix=f"stage-{stage_pk}")
    if form.is_valid():
        try:
            stage_save(
                actor=request.user, pipeline=stage.pipeline, stage=stage, data=form.service_data()
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(back)
    return _settings_page(request, {f"stage-{stage_pk}": form})
