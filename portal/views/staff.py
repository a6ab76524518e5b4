"""The staff side of the portal: its settings (branding, support topics, the recommended-products
matrix), inviting a client, erasing a client's personal data, and the invoice of an order."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import error_to_messages
from crm_core.commerce.invoices import invoice_response
from crm_core.commerce.models import RecommendedProduct
from crm_core.commerce.selectors import order_get_for_user
from crm_core.parties.selectors import contact_get_for_user
from crm_core.proposals.drafting import proposal_get_for_user
from crm_core.segments.models import Segment
from crm_core.support.models import SupportTopic
from portal.forms import BrandingForm, CustomDomainForm, RecommendationsForm, SupportTopicForm
from portal.models import PortalBranding
from portal.services.accounts import customer_invite
from portal.services.privacy import contact_erase
from portal.services.proposals import proposal_send
from tenants.identity.views.team import team_manager_required
from tenants.links import url_for_domain
from tenants.models import CustomDomain
from tenants.services.domains import (
    domain_add,
    domain_portal_address_set,
    domain_remove,
    domain_verify,
)


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


def _domains_listed(request: HttpRequest) -> list[CustomDomain]:
    domains = list(CustomDomain.objects.filter(tenant=request.tenant))
    for custom in domains:
        custom.portal_link = url_for_domain(custom.domain, reverse("portal_home"))
    return domains


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
    domain_form = CustomDomainForm(request.POST if request.POST.get("form") == "domain" else None)
    if domain_form.is_bound and domain_form.is_valid():
        try:
            custom = domain_add(
                actor=request.user, tenant=request.tenant, domain=domain_form.cleaned_data["domain"]
            )
        except ValidationError as error:
            domain_form.add_error("domain", error)
        else:
            messages.success(
                request,
                _("%(domain)s is added: publish its DNS record, then check it.")
                % {"domain": custom.domain},
            )
            return redirect(f"{reverse('portal_settings')}#domains")
    return render(
        request,
        "portal/staff/settings.html",
        {
            "form": form,
            "branding": branding,
            "domain_form": domain_form,
            "domains": _domains_listed(request),
            "workspace_domain": request.tenant.get_primary_domain().domain,
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


def _domain(request: HttpRequest, pk: int) -> CustomDomain:
    """One of this company's domains; another company's id is as missing as a wrong one."""
    return get_object_or_404(CustomDomain, pk=pk, tenant=request.tenant)


def _back_to_domains() -> HttpResponse:
    return redirect(f"{reverse('portal_settings')}#domains")


@require_POST
@team_manager_required
def domain_check(request: HttpRequest, pk: int) -> HttpResponse:
    custom = domain_verify(custom=_domain(request, pk))
    if custom.status == CustomDomain.Status.VERIFIED:
        messages.success(
            request, _("%(domain)s is verified and serves your portal.") % {"domain": custom}
        )
    else:
        messages.error(request, custom.check_error)
    return _back_to_domains()


@require_POST
@team_manager_required
def domain_delete(request: HttpRequest, pk: int) -> HttpResponse:
    custom = _domain(request, pk)
    domain_remove(actor=request.user, custom=custom)
    messages.success(request, _("%(domain)s is removed.") % {"domain": custom})
    return _back_to_domains()


@require_POST
@team_manager_required
def domain_portal_address(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Mailed portal links use this domain (no pk: the workspace's own address)."""
    custom = _domain(request, pk) if pk else None
    try:
        domain_portal_address_set(actor=request.user, custom=custom, tenant=request.tenant)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Mailed portal links use the new address."))
    return _back_to_domains()


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


@require_POST
def proposal_send_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a proposal to its person: a mail with the link to its portal page."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    try:
        proposal_send(actor=request.user, proposal=proposal)
    except ValidationError as error:
        error_to_messages(request, error)
    else:
        messages.success(
            request,
            _("The proposal is sent to %(email)s.") % {"email": proposal.contact.emails[0]},
        )
    return redirect("proposal_detail", proposal.pk)
