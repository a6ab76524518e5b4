from django.urls import path

from search.consumers import ReindexConsumer

websocket_urlpatterns = [
    path("ws/search/reindex/", ReindexConsumer.as_asgi(), name="ws-search-reindex"),
]
