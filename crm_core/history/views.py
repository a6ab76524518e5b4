from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm_core.history.models import ContactMerge
from crm_core.history.services import MERGE_FIELDS, contact_merge_undo, contacts_merge
from crm_core.parties.selectors import contact_get_for_user
from tenants.typing import StaffRequest


def contact_merge(request: StaffRequest, pk: int) -> HttpResponse:
    survivor = contact_get_for_user(user=request.user, pk=pk)
    other_id = request.POST.get("other") or request.GET.get("other") or ""
    merged = (
        contact_get_for_user(user=request.user, pk=int(other_id)) if other_id.isdigit() else None
    )
    if merged is None:
        messages.error(request, _("Choose the contact to merge into this one."))
        return redirect("contact_detail", survivor.pk)
    if request.method == "POST":
        take = [name for name in MERGE_FIELDS if request.POST.get(name) == "other"]
        try:
            merge = contacts_merge(
                actor=request.user, survivor=survivor, merged=merged, take_from_merged=take
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            request.session["last_merge"] = merge.pk
            messages.success(
                request,
                _("%(merged)s was merged into %(survivor)s.")
                % {"merged": merged.full_name, "survivor": survivor.full_name},
            )
        return redirect("contact_detail", survivor.pk)
    rows = []
    for name in MERGE_FIELDS:
        mine, theirs = getattr(survivor, name), getattr(merged, name)
        rows.append(
            {
                "name": name,
                "label": getattr(survivor._meta.get_field(name), "verbose_name", name),
                "mine": mine,
                "theirs": theirs,
                "differs": mine != theirs,
            }
        )
    return render(
        request,
        "crm_core/history/contact_merge.html",
        {"survivor": survivor, "merged": merged, "rows": rows},
    )


@require_POST
def merge_undo(request: StaffRequest, pk: int) -> HttpResponse:
    merge = get_object_or_404(ContactMerge, pk=pk)
    contact_get_for_user(user=request.user, pk=merge.survivor_id)  # only if the user sees it
    try:
        merged = contact_merge_undo(merge=merge)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contact_detail", merge.survivor_id)
    request.session.pop("last_merge", None)
    messages.success(
        request, _("The merge was undone: %(name)s is back.") % {"name": merged.full_name}
    )
    return redirect("contact_detail", merged.pk)
