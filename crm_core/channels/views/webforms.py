"""Web forms: the builder and each form's page (its snippet and submissions) for staff; the form
itself and its embedding script for the company's website visitors."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.forms import errors_into
from crm_core.channels.forms import WebFormAnswers, WebFormForm
from crm_core.channels.models import WebForm
from crm_core.channels.webforms import (
    HONEYPOT,
    SHOWN,
    UTM_NAMES,
    Flooding,
    SubmissionRefused,
    form_submit,
    shown_stamp,
    targets_for,
    webform_delete,
    webform_save,
)
from crm_core.parties.selectors import owners_assignable
from tenants.identity.roles import Role
from tenants.identity.throttle import client_address
from tenants.links import tenant_url
from tenants.typing import StaffRequest

RULE_ROWS = 3
SUBMISSIONS_SHOWN = 50


def _builder(user) -> bool:
    return user.can_manage_team or user.role == Role.MARKETER


def webform_list(request: StaffRequest) -> HttpResponse:
    if not _builder(request.user):
        return HttpResponseForbidden(_("Marketers, the owner and administrators build web forms."))
    forms = WebForm.objects.annotate(
        total=Count("submissions"), last=Max("submissions__created_at")
    ).select_related("campaign")
    return render(request, "crm_core/channels/webforms.html", {"forms": forms})


def _rows(form: WebForm | None, segment) -> list[dict[str, Any]]:
    """One row per field the form can have: whether it is on the form, its label, required."""
    chosen = {
        item["target"]: (index, item) for index, item in enumerate(form.fields if form else [])
    }
    rows = []
    for target, label in targets_for(segment).items():
        index, item = chosen.get(target, (None, None))
        rows.append(
            {
                "target": target,
                "default": label,
                "on": item is not None,
                "label": item["label"] if item else "",
                "required": bool(item and item["required"]),
                "position": index + 1 if index is not None else "",
            }
        )
    return rows


def _posted_fields(post, segment) -> list[dict[str, Any]]:
    picked = []
    for order, target in enumerate(targets_for(segment)):
        if post.get(f"f-{target}-on"):
            position = post.get(f"f-{target}-position", "")
            picked.append(
                (
                    int(position) if position.isdigit() else 1000 + order,
                    order,
                    {
                        "target": target,
                        "label": post.get(f"f-{target}-label", ""),
                        "required": bool(post.get(f"f-{target}-required")),
                    },
                )
            )
    return [item for _position, _order, item in sorted(picked, key=lambda row: row[:2])]


def _posted_rules(post) -> list[dict[str, Any]]:
    owners = {str(user.pk): user for user in owners_assignable()}
    rules = []
    for index in range(RULE_ROWS):
        field, value = post.get(f"rule-{index}-field", ""), post.get(f"rule-{index}-value", "")
        if field or value.strip():
            owner = owners.get(post.get(f"rule-{index}-owner", ""))
            rules.append({"field": field, "value": value, "owner": owner})
    return rules


def webform_edit(request: StaffRequest, pk: int | None = None) -> HttpResponse:
    if not _builder(request.user):
        return HttpResponseForbidden(_("Marketers, the owner and administrators build web forms."))
    form_row = get_object_or_404(WebForm, pk=pk) if pk else None
    settings_form = WebFormForm(request.POST or None, instance=form_row)
    segment = form_row.segment if form_row else None
    rows = _rows(form_row, segment)
    rules = list(form_row.rules if form_row else [])
    if request.method == "POST":
        if settings_form.is_valid():
            data = dict(settings_form.cleaned_data)
            segment = data.get("segment")
            try:
                saved = webform_save(
                    actor=request.user,
                    form=form_row,
                    data=data,
                    fields=_posted_fields(request.POST, segment),
                    owners=list(data.pop("owners")),
                    rules=_posted_rules(request.POST),
                )
            except ValidationError as error:
                errors_into(settings_form, error)
            else:
                messages.success(request, _("The form is saved."))
                return redirect("webform_detail", pk=saved.pk)
        posted = {item["target"]: item for item in _posted_fields(request.POST, segment)}
        rows = [
            {
                **row,
                "on": row["target"] in posted,
                "label": posted.get(row["target"], {}).get("label", ""),
                "required": posted.get(row["target"], {}).get("required", False),
                "position": request.POST.get(f"f-{row['target']}-position", ""),
            }
            for row in _rows(None, segment)
        ]
        rules = [
            {
                "field": rule["field"],
                "value": rule["value"],
                "owner": rule["owner"].pk if rule["owner"] else None,
            }
            for rule in _posted_rules(request.POST)
        ]
    rules += [{"field": "", "value": "", "owner": None}] * (RULE_ROWS - len(rules))
    context = {
        "web_form": form_row,
        "form": settings_form,
        "rows": rows,
        "rules": rules,
        "targets": targets_for(segment),
        "colleagues": owners_assignable(),
    }
    return render(request, "crm_core/channels/webform_form.html", context)


def webform_detail(request: StaffRequest, pk: int) -> HttpResponse:
    if not _builder(request.user):
        return HttpResponseForbidden(_("Marketers, the owner and administrators build web forms."))
    form = get_object_or_404(WebForm, pk=pk)
    script = tenant_url(reverse("webform_embed", args=[form.key]))
    context = {
        "web_form": form,
        "snippet": f'<script src="{script}" async></script>',
        "page_url": tenant_url(reverse("webform_page", args=[form.key])),
        "submissions": form.submissions.select_related("contact", "campaign")[:SUBMISSIONS_SHOWN],
        "total": form.submissions.count(),
    }
    return render(request, "crm_core/channels/webform.html", context)


@require_POST
def webform_delete_view(request: StaffRequest, pk: int) -> HttpResponse:
    try:
        webform_delete(actor=request.user, form=get_object_or_404(WebForm, pk=pk))
    except PermissionDenied as error:
        return HttpResponseForbidden(str(error))
    messages.success(request, _("The form is deleted."))
    return redirect("webform_list")


# --- on the company's website ----------------------------------------------------------------
def _public_page(request: HttpRequest, form: WebForm, answers: WebFormAnswers, status=200):
    context = {
        "web_form": form,
        "answers": answers,
        "honeypot": HONEYPOT,
        "stamp": shown_stamp(form),
        "utm": {name: request.GET.get(name) or request.POST.get(name, "") for name in UTM_NAMES},
        "page": request.GET.get("page") or request.POST.get("page", ""),
    }
    response = render(request, "crm_core/channels/webform_public.html", context, status=status)
    # shown in a frame on the company's own site; a redirect after it goes on to the form's page
    replace: dict[str, list[str]] = {"frame-ancestors": ["*"]}
    if form.redirect_url:
        target = urlsplit(form.redirect_url)
        replace["form-action"] = ["'self'", f"{target.scheme}://{target.netloc}"]
    response._csp_replace = replace  # type: ignore[attr-defined]  # read by django-csp
    return response


@csrf_exempt  # a visitor of another site, with no session: the signed stamp and limits guard it
@xframe_options_exempt
def webform_page(request: HttpRequest, key: str) -> HttpResponse:
    form = get_object_or_404(WebForm, key=key, is_active=True)
    if request.method != "POST":
        return _public_page(request, form, WebFormAnswers(form))
    answers = WebFormAnswers(form, request.POST)
    try:
        form_submit(
            form=form,
            raw={name: request.POST.get(name, "") for name in request.POST},
            consents={
                "email": bool(request.POST.get("consent_email")),
                "sms": bool(request.POST.get("consent_sms")),
            },
            utm={name: request.POST.get(name, "") for name in UTM_NAMES},
            page=request.POST.get("page", ""),
            stamp=request.POST.get(SHOWN, ""),
            address=client_address(request),
        )
    except SubmissionRefused as refused:
        answers.is_valid()
        answers.add_error(None, str(refused))
        status = 429 if isinstance(refused, Flooding) else 400
        return _public_page(request, form, answers, status=status)
    except ValidationError as error:
        answers.is_valid()
        errors_into(answers, error)
        return _public_page(request, form, answers, status=400)
    if form.redirect_url:
        return redirect(form.redirect_url)
    response = render(request, "crm_core/channels/webform_thanks.html", {"web_form": form})
    response._csp_replace = {"frame-ancestors": ["*"]}  # type: ignore[attr-defined]
    return response


def webform_embed(request: HttpRequest, key: str) -> HttpResponse:
    """The script a company puts on its site: it puts the form in a frame where the script
    stands, passing on the page's address and UTM parameters."""
    form = get_object_or_404(WebForm, key=key, is_active=True)
    script = (
        "(function(){var s=document.currentScript,q=new URLSearchParams(location.search),"
        "p=new URLSearchParams();"
        f"{json.dumps(list(UTM_NAMES))}.forEach(function(n){{if(q.get(n))p.set(n,q.get(n));}});"
        'p.set("page",location.href.split("#")[0]);'
        'var f=document.createElement("iframe");'
        f"f.src={json.dumps(tenant_url(reverse('webform_page', args=[form.key])))}+'?'+p;"
        f"f.title={json.dumps(form.title or form.name)};"
        'f.style.cssText="width:100%;min-height:560px;border:0";'
        "s.parentNode.insertBefore(f,s);})();"
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "max-age=300"
    return response
