"""Websocket routes of the staff app (all under /ws/; see crm_core.consumers)."""

from django.urls import path

from crm_core.consumers import RecordConsumer
from crm_core.deals.consumers import DealBoardConsumer
from crm_core.goals.consumers import GoalsConsumer
from crm_core.jobs.consumers import ExportConsumer, ImportConsumer
from crm_core.notifications.consumers import NotificationConsumer
from crm_core.proposals.consumers import PackageConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi(), name="ws-notifications"),
    path("ws/deals/board/<int:pipeline>/", DealBoardConsumer.as_asgi(), name="ws-deal-board"),
    path("ws/contacts/<int:pk>/", RecordConsumer.as_asgi(), {"kind": "contact"}, name="ws-contact"),
    path(
        "ws/companies/<int:pk>/", RecordConsumer.as_asgi(), {"kind": "company"}, name="ws-company"
    ),
    path("ws/deals/<int:pk>/", RecordConsumer.as_asgi(), {"kind": "deal"}, name="ws-deal"),
    path("ws/goals/", GoalsConsumer.as_asgi(), name="ws-goals"),
    path("ws/imports/<int:pk>/", ImportConsumer.as_asgi(), name="ws-import"),
    path("ws/exports/<int:pk>/", ExportConsumer.as_asgi(), name="ws-export"),
    path("ws/document-packages/<int:pk>/", PackageConsumer.as_asgi(), name="ws-document-package"),
]
