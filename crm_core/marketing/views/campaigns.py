"""The marketing pages: campaigns (list, form, page with its figures and members) and
audiences (list with how many each holds now, form)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import error_to_messages, errors_into
from crm_core.marketing.forms import AudienceForm, CampaignForm
from crm_core.marketing.models import Audience, Campaign, CampaignMember
from crm_core.marketing.results import ATTRIBUTION_WINDOW, Attribution, campaign_results
from crm_core.marketing.services import (
    audience_counts,
    audience_delete,
    audience_save,
    campaign_figures,
    campaign_get_for_user,
    campaign_members_request,
    campaign_save,
    campaigns_visible,
    may_run_campaigns,
    member_step,
    members_visible,
)
from crm_core.workspace.services import base_currency
from tenants.typing import StaffRequest


def campaign_list(request: StaffRequest) -> HttpResponse:
    return render(
        request,
        "crm_core/marketing/campaigns.html",
        {
            "campaigns": campaigns_visible(user=request.user)[:200],
            "may_run": may_run_campaigns(request.user),
        },
    )


def campaign_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    campaign = campaign_get_for_user(user=request.user, pk=pk) if pk else None
    initial = (
        {
            "name": campaign.name,
            "kind": campaign.kind,
            "status": campaign.status,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "budget": campaign.budget,
            "actual_cost": campaign.actual_cost,
            "currency": campaign.currency,
            "audience": campaign.audience_id,
            "utm_campaign": campaign.utm_campaign,
            "description": campaign.description,
        }
        if campaign
        else {"currency": base_currency(), "status": Campaign.Status.PLANNED}
    )
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = campaign_save(actor=request.user, campaign=campaign, data=form.service_data())
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("The campaign is saved."))
            return redirect("campaign_detail", saved.pk)
    return render(
        request, "crm_core/marketing/campaign_form.html", {"form": form, "campaign": campaign}
    )


def campaign_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The campaign: its figures (members by the furthest step, cost per member), its
    audience now and its members (those the reader sees)."""
    campaign = campaign_get_for_user(user=request.user, pk=pk)
    counts = (
        audience_counts(audience=campaign.audience, user=request.user)
        if campaign.audience
        else None
    )
    return render(
        request,
        "crm_core/marketing/campaign.html",
        {
            "campaign": campaign,
            "figures": campaign_figures(campaign=campaign, user=request.user),
            "results": campaign_results(
                campaign=campaign, user=request.user, model=request.GET.get("model", "")
            ),
            "models": Attribution.choices,
            "window_days": ATTRIBUTION_WINDOW.days,
            "audience_counts": counts,
            "members": members_visible(campaign=campaign, user=request.user).select_related(
                "contact"
            )[:100],
            "steps": CampaignMember.Status.choices,
            "mailings": campaign.mailings.all()[:50],
            "may_run": may_run_campaigns(request.user),
        },
    )


@require_POST
def campaign_members_view(request: StaffRequest, pk: int) -> HttpResponse:
    """Add the audience's contacts as they are now (once each)."""
    campaign = campaign_get_for_user(user=request.user, pk=pk)
    try:
        done, added, left_out = campaign_members_request(actor=request.user, campaign=campaign)
    except ValidationError as error:
        error_to_messages(request, error)
    else:
        if done:
            messages.success(request, _("Members added: %(added)s.") % {"added": added})
        else:
            messages.success(
                request,
                _(
                    "%(added)s members are being added in the background; you will be told "
                    "when they are in."
                )
                % {"added": added},
            )
        if left_out and campaign.audience is not None:
            messages.warning(
                request,
                _("Left out: %(count)s without consent to %(channel)s.")
                % {"count": left_out, "channel": campaign.audience.get_consent_display().lower()},
            )
    return redirect("campaign_detail", campaign.pk)


@require_POST
def campaign_member_step(request: StaffRequest, pk: int, member_pk: int) -> HttpResponse:
    campaign = campaign_get_for_user(user=request.user, pk=pk)
    member = get_object_or_404(
        members_visible(campaign=campaign, user=request.user).select_related("contact", "campaign"),
        pk=member_pk,
    )
    try:
        member_step(actor=request.user, member=member, status=request.POST.get("status", ""))
    except ValidationError as error:
        error_to_messages(request, error)
    return redirect("campaign_detail", campaign.pk)


def audience_list(request: StaffRequest) -> HttpResponse:
    audiences = list(Audience.objects.all()[:100])
    return render(
        request,
        "crm_core/marketing/audiences.html",
        {
            "audiences": [
                (audience, *audience_counts(audience=audience, user=request.user))
                for audience in audiences
            ],
            "may_run": may_run_campaigns(request.user),
        },
    )


def audience_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk) if pk else None
    form = AudienceForm(request.POST or None, audience=audience)
    if request.method == "POST" and form.is_valid():
        try:
            saved = audience_save(actor=request.user, audience=audience, data=form.service_data())
        except ValidationError as error:
            errors_into(form, error)
        else:
            agreed, left_out = audience_counts(audience=saved, user=request.user)
            messages.success(
                request,
                _("The audience is saved: %(count)s contacts now.") % {"count": agreed},
            )
            return redirect("audience_edit", saved.pk)
    counts = audience_counts(audience=audience, user=request.user) if audience else None
    return render(
        request,
        "crm_core/marketing/audience_form.html",
        {"form": form, "audience": audience, "counts": counts},
    )


@require_POST
def audience_remove(request: StaffRequest, pk: int) -> HttpResponse:
    audience = get_object_or_404(Audience, pk=pk)
    audience_delete(actor=request.user, audience=audience)
    messages.success(request, _("The audience is deleted."))
    return redirect("audience_list")
