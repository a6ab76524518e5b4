from django.urls import path

from crm_core.analytics import api, views

urlpatterns = [
    path("analytics/", views.analytics_home, name="analytics_home"),
    path("analytics/funnel/", views.funnel_view, name="funnel"),
    path("analytics/forecast/", views.forecast_view, name="forecast"),
    path("analytics/clients/", views.client_value_view, name="client_value"),
    path("analytics/clients/score/", views.client_value_rescore_view, name="client_value_rescore"),
    path("analytics/metrics/<str:key>/", views.metric_detail, name="metric_detail"),
    path("dashboard/tiles/", views.dashboard_tile_add_view, name="dashboard_tile_add"),
    path(
        "dashboard/tiles/<int:index>/move/",
        views.dashboard_tile_move_view,
        name="dashboard_tile_move",
    ),
    path("dashboard/share/", views.dashboard_share_view, name="dashboard_share"),
    path("dashboard/reset/", views.dashboard_reset_view, name="dashboard_reset"),
    path("settings/metrics/", views.metric_settings, name="metric_settings"),
    path("settings/metrics/<str:key>/archive/", views.metric_archive_view, name="metric_archive"),
]

api_urlpatterns = [
    path("analytics/funnel/", api.FunnelApi.as_view(), name="api-funnel"),
    path("analytics/forecast/", api.ForecastApi.as_view(), name="api-forecast"),
    path("analytics/metrics/", api.MetricListApi.as_view(), name="api-metric-list"),
    path("analytics/metrics/<str:key>/", api.MetricValueApi.as_view(), name="api-metric-value"),
    path(
        "analytics/metrics/<str:key>/records/",
        api.MetricRecordsApi.as_view(),
        name="api-metric-records",
    ),
]
