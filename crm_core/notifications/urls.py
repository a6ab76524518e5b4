from django.urls import path

from crm_core.notifications import api, views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/menu/", views.notification_menu, name="notification_menu"),
    path(
        "notifications/<int:pk>/open/",
        views.notification_open,
        name="notification_open",
    ),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
]

api_urlpatterns = [
    path("notifications/", api.NotificationListApi.as_view(), name="api-notification-list"),
    path(
        "notifications/<int:pk>/read/",
        api.NotificationReadApi.as_view(),
        name="api-notification-read",
    ),
    path(
        "notifications/read/",
        api.NotificationsReadApi.as_view(),
        name="api-notifications-read",
    ),
]
