"""Error pages (404 and 403) that render without the database.

Under ASGI, Django turns an exception into its error page in a thread of its own
(`response_for_exception` runs with `thread_sensitive=False`): a database query there opens a
connection on the public schema that is never given back to the pool, so a few hundred 404s
held every pooled connection. These pages get what they show from the request alone: no
context processors run, only the few values their templates use.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template import Context, loader
from django_tenants.utils import get_public_schema_name

from config.api import is_api_request


def _render(request: HttpRequest, template: str, status: int, **extra: object) -> HttpResponse:
    tenant = getattr(request, "tenant", None)
    public = tenant is None or tenant.schema_name == get_public_schema_name()
    context = Context(
        {
            "request": request,
            "csrf_token": get_token(request),
            "current_tenant": None if public else tenant,
            "is_public_site": public,
            **extra,
        }
    )
    body = loader.get_template(template).template.render(context)
    return HttpResponse(body, status=status)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return _render(request, "404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        message = str(exception) or "You do not have permission to perform this action."
        return JsonResponse({"detail": message}, status=403)
    return _render(request, "403.html", 403, exception=str(exception))
