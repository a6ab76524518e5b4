from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.identity.selectors.users import api_tokens_of, invitations_pending, staff_list
from tenants.identity.services.users import seats_used


def dashboard(request: HttpRequest) -> HttpResponse:
    members = list(staff_list().filter(is_active=True)[:8])
    context = {
        "members": members,
        "seats_used": seats_used(),
        "pending_invitations": invitations_pending().count(),
        "has_token": api_tokens_of(user=request.user).exists(),
        "team_size": len(members),
    }
    return render(request, "crm_core/dashboard.html", context)
