"""The ASGI application: Django for HTTP, Channels for websockets under /ws/.

Websockets pass `TenantWebsocketMiddleware` (tenant from the Host header, user from that
tenant's session) before any consumer; a path without a route is refused with 4404.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

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
