from django.urls import path

from crm_core.support import api, views

urlpatterns = [
    path("tickets/", views.ticket_queue, name="ticket_queue"),
    path("tickets/new/", views.ticket_create, name="ticket_create"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
]

api_urlpatterns = [
    path("tickets/", api.TicketListCreateApi.as_view(), name="api-ticket-list"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path("tickets/<int:pk>/messages/", api.TicketReplyApi.as_view(), name="api-ticket-reply"),
]
