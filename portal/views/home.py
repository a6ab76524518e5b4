from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tenants.identity.views.auth import LoginView


class PortalLoginView(LoginView):
    template_name = "portal/login.html"

    def get_success_url(self) -> str:
        return "/portal/" if self.request.user.is_customer else "/"


@login_required(login_url="/portal/login/")
def portal_home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_customer:
        return redirect("dashboard")
    return render(request, "portal/home.html")
