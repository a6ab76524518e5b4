from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.forms import errors_into
from tenants.identity.forms import InvitationForm, TeamForm, UserRoleForm
from tenants.identity.models import Invitation, Team
from tenants.identity.roles import Role
from tenants.identity.selectors.teams import team_tree, teams_below
from tenants.identity.selectors.users import invitations_pending, staff_list, staff_user_get
from tenants.identity.services.teams import team_delete, team_save
from tenants.identity.services.users import (
    invitation_create,
    invitation_revoke,
    seats_used,
    user_change_role,
    user_deactivate,
    user_reactivate,
)
from tenants.typing import StaffRequest


def team_manager_required(view):
    @wraps(view)
    def wrapper(request: StaffRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.can_manage_team:
            return HttpResponseForbidden(_("Only the owner and administrators open this page."))
        return view(request, *args, **kwargs)

    return wrapper


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def team_list(request: StaffRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not request.user.can_manage_team:
            return HttpResponseForbidden(_("Only the owner and administrators manage the team."))
        if form.is_valid():
            try:
                invitation_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                errors_into(form, error)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
                )
                return redirect("team")
    context = {
        "members": staff_list(),
        "invitations": invitations_pending() if request.user.can_manage_team else [],
        "form": form,
        "team_form": TeamForm(),
        "teams": team_tree(),
        "seats_used": seats_used(),
    }
    return render(request, "identity/team.html", context)


@team_manager_required
def member_edit(request: StaffRequest, pk: int) -> HttpResponse:
    member = staff_user_get(pk=pk)
    form = UserRoleForm(request.POST or None, initial={"role": member.role, "team": member.team_id})
    if request.method == "POST" and form.is_valid():
        try:
            user_change_role(
                actor=request.user,
                user=member,
                role=Role(form.cleaned_data["role"]),
                team=form.cleaned_data["team"],
                since=form.cleaned_data["since"],
            )
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": member.full_name, "role": member.get_role_display()},
            )
            return redirect("team")
    context = {
        "member": member,
        "form": form,
        "memberships": member.memberships.select_related("team"),
    }
    return render(request, "identity/member_edit.html", context)


@require_POST
@team_manager_required
def member_set_active(request: StaffRequest, pk: int) -> HttpResponse:
    member = staff_user_get(pk=pk)
    try:
        if request.POST.get("active") == "1":
            user_reactivate(actor=request.user, user=member)
            messages.success(request, _("%(name)s can sign in again.") % {"name": member})
        else:
            user_deactivate(actor=request.user, user=member)
            messages.success(
                request,
                _("%(name)s was deactivated; the seat is free and their records stay.")
                % {"name": member},
            )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("team")


@require_POST
@team_manager_required
def invitation_revoke_view(request: StaffRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("team")


@require_POST
@team_manager_required
def team_create(request: StaffRequest) -> HttpResponse:
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_save(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_into(form, error)
        else:
            messages.success(request, _("Team “%(name)s” created.") % {"name": team.name})
            return redirect("team")
    messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return redirect("team")


@team_manager_required
def team_edit(request: StaffRequest, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    form = TeamForm(request.POST or None, initial={"name": team.name, "parent": team.parent_id})
    parent_field = form.fields["parent"]
    if isinstance(parent_field, forms.ModelChoiceField):
        parent_field.queryset = Team.objects.exclude(pk__in=teams_below(team.pk))
    if request.method == "POST":
        if request.POST.get("delete") == "1":
            try:
                team_delete(actor=request.user, team=team)
            except ValidationError as error:
                messages.error(request, _error_text(error))
                return redirect("team_edit", pk=team.pk)
            messages.success(request, _("Team “%(name)s” deleted.") % {"name": team.name})
            return redirect("team")
        if form.is_valid():
            try:
                team_save(actor=request.user, team=team, **form.cleaned_data)
            except ValidationError as error:
                errors_into(form, error)
            else:
                messages.success(request, _("Team “%(name)s” saved.") % {"name": team.name})
                return redirect("team")
    context = {
        "team": team,
        "form": form,
        "memberships": team.memberships.select_related("user").order_by("-started_on"),
    }
    return render(request, "identity/team_edit.html", context)
