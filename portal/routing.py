"""Websocket route of the customer portal (see portal.consumers)."""

from django.urls import path

from portal.consumers import PortalConsumer

websocket_urlpatterns = [
    path("ws/portal/", PortalConsumer.as_asgi(), name="ws-portal"),
]
