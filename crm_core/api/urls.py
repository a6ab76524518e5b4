from django.urls import path

from crm_core.api import (
    commerce,
    deals,
    interactions,
    notifications,
    parties,
    segments,
    tasks,
    tickets,
)

urlpatterns = [
    path("contacts/", parties.ContactListCreateApi.as_view(), name="api-contact-list"),
    path("contacts/<int:pk>/", parties.ContactDetailApi.as_view(), name="api-contact-detail"),
    path("companies/", parties.CompanyListCreateApi.as_view(), name="api-company-list"),
    path("companies/<int:pk>/", parties.CompanyDetailApi.as_view(), name="api-company-detail"),
    path(
        "lifecycle-stages/",
        parties.LifecycleStageListApi.as_view(),
        name="api-lifecycle-stage-list",
    ),
    path(
        "interactions/",
        interactions.InteractionListCreateApi.as_view(),
        name="api-interaction-list",
    ),
    path(
        "interactions/<int:pk>/",
        interactions.InteractionDetailApi.as_view(),
        name="api-interaction-detail",
    ),
    path(
        "interactions/<int:pk>/attachments/",
        interactions.InteractionAttachmentsApi.as_view(),
        name="api-interaction-attachments",
    ),
    path(
        "contacts/<int:pk>/timeline/",
        interactions.ContactTimelineApi.as_view(),
        name="api-contact-timeline",
    ),
    path(
        "contacts/<int:pk>/stage/", interactions.ContactStageApi.as_view(), name="api-contact-stage"
    ),
    path(
        "interaction-topics/",
        interactions.InteractionTopicListApi.as_view(),
        name="api-interaction-topic-list",
    ),
    path(
        "interaction-outcomes/",
        interactions.InteractionOutcomeListApi.as_view(),
        name="api-interaction-outcome-list",
    ),
    path("segments/", segments.SegmentListCreateApi.as_view(), name="api-segment-list"),
    path("segments/<int:pk>/", segments.SegmentDetailApi.as_view(), name="api-segment-detail"),
    path("pipelines/", deals.PipelineListApi.as_view(), name="api-pipeline-list"),
    path("deals/", deals.DealListCreateApi.as_view(), name="api-deal-list"),
    path("deals/<int:pk>/", deals.DealDetailApi.as_view(), name="api-deal-detail"),
    path("deals/<int:pk>/move/", deals.DealMoveApi.as_view(), name="api-deal-move"),
    path("deals/<int:pk>/lines/", deals.DealLinesApi.as_view(), name="api-deal-lines"),
    path("tasks/", tasks.TaskListCreateApi.as_view(), name="api-task-list"),
    path("tasks/<int:pk>/", tasks.TaskDetailApi.as_view(), name="api-task-detail"),
    path("tasks/<int:pk>/complete/", tasks.TaskCompleteApi.as_view(), name="api-task-complete"),
    path("products/", commerce.ProductListCreateApi.as_view(), name="api-product-list"),
    path("price-lists/", commerce.PriceListListApi.as_view(), name="api-price-list-list"),
    path("orders/", commerce.OrderListCreateApi.as_view(), name="api-order-list"),
    path("orders/<int:pk>/", commerce.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<int:pk>/status/", commerce.OrderStatusApi.as_view(), name="api-order-status"),
    path("tickets/", tickets.TicketListCreateApi.as_view(), name="api-ticket-list"),
    path("tickets/<int:pk>/", tickets.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path("tickets/<int:pk>/messages/", tickets.TicketReplyApi.as_view(), name="api-ticket-reply"),
    path(
        "notifications/", notifications.NotificationListApi.as_view(), name="api-notification-list"
    ),
    path(
        "notifications/<int:pk>/read/",
        notifications.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
    path(
        "notifications/read/",
        notifications.NotificationsReadApi.as_view(),
        name="api-notifications-read",
    ),
]
