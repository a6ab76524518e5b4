"""The deal board (kanban per pipeline), deal cards and forms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.commerce.models import Product
from crm_core.common.services import EditConflict
from crm_core.common.text import decimal_from_text
from crm_core.deals.forms import DealForm
from crm_core.deals.models import Pipeline, PipelineStage
from crm_core.deals.selectors import deal_get_for_user, pipeline_board, pipeline_forecast
from crm_core.deals.services import (
    DealLineRequest,
    deal_create,
    deal_lines_set,
    deal_move,
    deal_update,
)
from crm_core.history.selectors import record_history
from tenants.typing import StaffRequest


def _pipeline(request: StaffRequest) -> Pipeline | None:
    value = request.GET.get("pipeline", "")
    pipelines = Pipeline.objects.all()
    return (pipelines.filter(pk=int(value)).first() if value.isdigit() else None) or (
        pipelines.first()
    )


def deal_board(request: StaffRequest) -> HttpResponse:
    pipeline = _pipeline(request)
    context = {
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.all(),
        "columns": pipeline_board(user=request.user, pipeline=pipeline) if pipeline else [],
        "forecast": pipeline_forecast(user=request.user, pipeline=pipeline) if pipeline else None,
    }
    return render(request, "crm_core/deals/deal_board.html", context)


def deal_create_view(request: StaffRequest) -> HttpResponse:
    pipeline = _pipeline(request)
    if pipeline is None:
        messages.error(request, _("Create a pipeline first."))
        return redirect("crm_settings")
    initial = {
        "stage": request.GET.get("stage") or pipeline.stages.first(),
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
            "deal": deal,
            "moves": moves,
            "stages": deal.pipeline.stages.all(),
            "lines": deal.lines.select_related("product"),
            "products": Product.objects.filter(is_active=True),
            "history": record_history(deal),
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
