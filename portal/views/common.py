"""What every portal page shares: who may open it, and the customer's account on the request."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.selectors import ready_account

PAGE_SIZE = 20


def customer_view(view):
    """A page of a signed-in customer whose account is verified and linked to its contact.
    Anonymous visitors go to the portal's sign-in; staff go to their own app."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("portal_login"))
        if not user.is_customer:
            return redirect("dashboard")
        account = ready_account(user=user)
        if account is None:
            raise PermissionDenied(_("Your customer account is not ready yet."))
        request.account = account
        return view(request, *args, **kwargs)

    return wrapper


def page_of(request: HttpRequest, queryset, size: int = PAGE_SIZE):
    return Paginator(queryset, size).get_page(request.GET.get("page"))
