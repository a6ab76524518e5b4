"""The ASGI application: Django for HTTP, Channels for websockets under /ws/.

Websockets pass `TenantWebsocketMiddleware` (tenant from the Host header, user from that
tenant's session) before any consumer; a path without a route is refused with 4404.
"""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _django_app():
    """Django's start-up (apps' ready(), which may ask the database, as django-tenants does of
    PG_EXTRA_SEARCH_PATHS) is synchronous code. uvicorn's worker processes import this module
    inside their running event loop, where Django refuses database calls: there it runs in a
    thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return get_asgi_application()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-setup") as pool:
        return pool.submit(get_asgi_application).result()


django_asgi_app = _django_app()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import re_path  # noqa: E402

from crm_core.routing import websocket_urlpatterns as crm_routes  # noqa: E402
from portal.routing import websocket_urlpatterns as portal_routes  # noqa: E402
from search.routing import websocket_urlpatterns as search_routes  # noqa: E402
from tenants.websocket import NotFoundConsumer, TenantWebsocketMiddleware  # noqa: E402

websocket_routes = [*crm_routes, *search_routes, *portal_routes]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": TenantWebsocketMiddleware(
            URLRouter([*websocket_routes, re_path(r"", NotFoundConsumer.as_asgi())])
        ),
    }
)
