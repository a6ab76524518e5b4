"""The staff side of the portal: its settings (branding, support topics, the recommended-products
matrix), inviting a client, erasing a client's personal data, and the invoice of an order."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_core.models import RecommendedProduct, Segment, SupportTopic
from crm_core.selectors.commerce import order_get_for_user
from crm_core.selectors.parties import contact_get_for_user
from crm_core.services.invoices import invoice_response
from portal.forms import BrandingForm, RecommendationsForm, SupportTopicForm
from portal.models import PortalBranding
from portal.services.accounts import customer_invite
from portal.services.privacy import contact_erase
from tenants.identity.views.team import team_manager_required


def _recommendation_forms() -> list[tuple[Segment, RecommendationsForm]]:
    return [
        (
            segment,
            RecommendationsForm(
                prefix=f"s{segment.pk}",
                initial={
                    "products": [row.product_id for row in segment.recommended_products.all()]
                },
            ),
        )
        for segment in Segment.objects.prefetch_related("recommended_products")
    ]


@team_manager_required
def portal_settings(request: HttpRequest) -> HttpResponse:
    branding = PortalBranding.objects.first() or PortalBranding()
    form = BrandingForm(
        request.POST if request.POST.get("form") == "branding" else None,
        request.FILES or None,
        instance=branding,
    )
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, _("The portal's look is saved."))
        return redirect("portal_settings")
    return render(
        request,
        "portal/staff/settings.html",
        {
            "form": form,
            "branding": branding,
            "topics": [
                (topic, SupportTopicForm(instance=topic, prefix=f"topic-{topic.pk}"))
                for topic in SupportTopic.objects.all()
            ],
            "new_topic": SupportTopicForm(prefix="topic-new"),
            "segments": _recommendation_forms(),
        },
    )


@require_POST
@team_manager_required
def support_topic_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    topic = get_object_or_404(SupportTopic, pk=pk) if pk else None
    form = SupportTopicForm(
        request.POST, instance=topic, prefix=f"topic-{pk}" if pk else "topic-new"
    )
    if form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
    else:
        messages.error(
            request, " ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
        )
    return redirect("portal_settings")


@require_POST
@team_manager_required
def recommendations_save(request: HttpRequest, segment: int) -> HttpResponse:
    segment_obj = get_object_or_404(Segment, pk=segment)
    form = RecommendationsForm(request.POST, prefix=f"s{segment_obj.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose products that are on sale."))
        return redirect("portal_settings")
    with transaction.atomic():
        RecommendedProduct.objects.filter(segment=segment_obj).delete()
        RecommendedProduct.objects.bulk_create(
            RecommendedProduct(segment=segment_obj, product=product, position=index)
            for index, product in enumerate(form.cleaned_data["products"])
        )
    messages.success(
        request, _("Recommendations for %(segment)s are saved.") % {"segment": segment_obj.name}
    )
    return redirect("portal_settings")


def portal_logo(request: HttpRequest) -> FileResponse:
    """The company's logo, for the portal's pages (public: the sign-in page shows it)."""
    branding = PortalBranding.objects.first()
    if branding is None or not branding.logo:
        raise Http404
    response = FileResponse(branding.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_POST
def contact_portal_invite(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    try:
        customer_invite(actor=request.user, contact=contact)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s is invited to the portal by email.") % {"name": contact.full_name},
        )
    return redirect("contact_detail", pk=contact.pk)


@require_POST
def contact_erase_view(request: HttpRequest, pk: int) -> HttpResponse:
    contact = contact_get_for_user(user=request.user, pk=pk)
    try:
        contact_erase(actor=request.user, contact=contact)
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    messages.success(request, _("The client's personal data is erased."))
    return redirect("contact_detail", pk=contact.pk)


def order_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    return invoice_response(order=order_get_for_user(user=request.user, pk=pk))
