from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from config.api import is_api_request


def lockout_response(request, credentials, *args, **kwargs):
    message = _("Too many failed sign-in attempts. Try again in a few minutes.")
    if is_api_request(request):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "identity/locked_out.html", {"message": message}, status=429)
