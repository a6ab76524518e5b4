"""Document templates (the administrators' list and editor, with the merge fields beside it
and a preview), a proposal's documents as downloads (PDF, DOCX) and document packages (a
ZIP made in the background, with its progress)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import error_to_messages, errors_into
from crm_core.proposals.drafting import proposal_get_for_user, proposals_visible
from crm_core.proposals.forms import DocumentTemplateForm
from crm_core.proposals.models import Document, DocumentPackage, DocumentTemplate
from crm_core.proposals.packages import package_get_for_user, package_start
from crm_core.proposals.templating import (
    DOCX,
    default_body,
    default_docx,
    document_template_delete,
    document_template_save,
    documents_make,
    may_edit_templates,
    merge_fields,
    proposal_context,
    proposal_docx,
    proposal_pdf,
    render_html,
    sample_context,
    template_check,
)
from tenants.typing import StaffRequest


def document_templates(request: StaffRequest) -> HttpResponse:
    may_edit_templates(request.user)
    return render(
        request,
        "crm_core/proposals/templates.html",
        {"templates": DocumentTemplate.objects.select_related("segment", "updated_by")},
    )


def document_template_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    """Write a template: saved only when every merge field is known and the syntax sound;
    "Preview" shows it filled with the newest proposal of its segment (or made-up values)."""
    may_edit_templates(request.user)
    template = get_object_or_404(DocumentTemplate, pk=pk) if pk else None
    initial = (
        {
            "kind": template.kind,
            "segment": template.segment_id,
            "language": template.language,
            "name": template.name,
            "body": template.body,
        }
        if template
        else {
            "kind": DocumentTemplate.Kind.PROPOSAL,
            "language": request.LANGUAGE_CODE,
            "body": default_body("proposal", request.LANGUAGE_CODE),
        }
    )
    form = DocumentTemplateForm(request.POST or None, request.FILES or None, initial=initial)
    preview = ""
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if "preview" in request.POST:
            try:
                template_check(data["body"], data["segment"])
                preview = render_html(
                    data["body"], _preview_context(request, data), data["language"]
                )
            except ValidationError as error:
                errors_into(form, error)
        else:
            try:
                saved = document_template_save(actor=request.user, template=template, data=data)
            except ValidationError as error:
                errors_into(form, error)
            else:
                messages.success(request, _("The template is saved."))
                return redirect("document_template_edit", saved.pk)
    segment = getattr(form, "cleaned_data", {}).get("segment")
    return render(
        request,
        "crm_core/proposals/template_form.html",
        {
            "form": form,
            "template": template,
            "preview": preview,
            "fields": merge_fields(segment or (template.segment if template else None)),
            "languages": settings.LANGUAGES,
        },
    )


def document_template_word(request: StaffRequest, pk: int) -> FileResponse:
    """A template's uploaded Word layout, as it is kept."""
    may_edit_templates(request.user)
    template = get_object_or_404(DocumentTemplate.objects.exclude(docx=""), pk=pk)
    return FileResponse(
        template.docx.open("rb"),
        as_attachment=True,
        filename=f"{slugify(template.name) or 'layout'}.docx",
        content_type=DOCX,
    )


def document_template_word_default(request: StaffRequest, language: str) -> HttpResponse:
    """The built-in Word layout of a proposal, to start one's own from."""
    may_edit_templates(request.user)
    if language not in dict(settings.LANGUAGES):
        raise Http404
    response = HttpResponse(default_docx(language), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="proposal-{language}.docx"'
    return response


def _preview_context(request: StaffRequest, data: dict) -> dict:
    proposals = proposals_visible(user=request.user)
    if data.get("segment") is not None:
        proposals = proposals.filter(segment=data["segment"])
    newest = proposals.first()
    if newest is None:
        return sample_context(data["language"])
    newest.language = data["language"]
    return proposal_context(newest)


@require_POST
def document_template_remove(request: StaffRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(DocumentTemplate, pk=pk)
    document_template_delete(actor=request.user, template=template)
    messages.success(request, _("The template is deleted; the built-in one applies again."))
    return redirect("document_templates")


def proposal_download(request: StaffRequest, pk: int, file_format: str) -> HttpResponse:
    """The proposal as PDF or DOCX, from its segment's template in its language."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    try:
        if file_format == "docx":
            response = HttpResponse(proposal_docx(proposal), content_type=DOCX)
        else:
            response = HttpResponse(proposal_pdf(proposal), content_type="application/pdf")
    except ValidationError as error:
        for message in error.messages:
            messages.error(
                request, _("The template cannot be filled: %(problem)s") % {"problem": message}
            )
        return redirect("proposal_detail", proposal.pk)
    name = f"proposal-{proposal.number}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def proposal_documents_make(request: StaffRequest, pk: int) -> HttpResponse:
    """Make the documents checked (a new version of those made before)."""
    proposal = proposal_get_for_user(user=request.user, pk=pk)
    try:
        made = documents_make(
            actor=request.user, proposal=proposal, kinds=request.POST.getlist("kinds")
        )
    except ValidationError as error:
        error_to_messages(request, error)
    else:
        messages.success(
            request,
            _("Made: %(documents)s.")
            % {"documents": ", ".join(f"{row.number} v{row.version}" for row in made)},
        )
    return redirect("proposal_detail", proposal.pk)


def document_file(request: StaffRequest, pk: int) -> HttpResponse:
    """A kept document, for whoever may see its proposal."""
    document = get_object_or_404(Document, pk=pk, proposal__in=proposals_visible(user=request.user))
    response = HttpResponse(document.file.read(), content_type="application/pdf")
    name = f"{document.number}-v{document.version}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
def document_package_new(request: StaffRequest) -> HttpResponse:
    """Make the documents checked of the chosen proposal as one ZIP, in the background (from
    the deal's page or the proposal's); the package's page shows the progress."""
    chosen = request.POST.get("proposal", "")
    proposal = get_object_or_404(
        proposals_visible(user=request.user), pk=int(chosen) if chosen.isdigit() else 0
    )
    try:
        package = package_start(
            actor=request.user,
            proposal=proposal,
            kinds=request.POST.getlist("kinds"),
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as error:
        error_to_messages(request, error)
        if request.POST.get("back") == "deal" and proposal.deal_id:
            return redirect("deal_detail", proposal.deal_id)
        return redirect("proposal_detail", proposal.pk)
    return redirect("document_package", package.pk)


def document_package(request: StaffRequest, pk: int) -> HttpResponse:
    package = package_get_for_user(user=request.user, pk=pk)
    return render(request, "crm_core/proposals/package.html", {"package": package})


def document_package_status(request: StaffRequest, pk: int) -> HttpResponse:
    """The progress block, polled by htmx while the socket is away, reloaded when it ends."""
    package = package_get_for_user(user=request.user, pk=pk)
    return render(request, "crm_core/proposals/_package_status.html", {"package": package})


def document_package_file(request: StaffRequest, pk: int) -> FileResponse:
    package = package_get_for_user(user=request.user, pk=pk)
    if package.status != DocumentPackage.Status.DONE or not package.file:
        raise Http404
    return FileResponse(
        package.file.open("rb"),
        as_attachment=True,
        filename=package.filename,
        content_type="application/zip",
    )
