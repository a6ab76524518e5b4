from django.urls import path, re_path

from crm_core.analytics import api, views

urlpatterns = [
    path("analytics/", views.analytics_home, name="analytics_home"),
    path("analytics/funnel/", views.funnel_view, name="funnel"),
    path("analytics/forecast/", views.forecast_view, name="forecast"),
    path("analytics/clients/", views.client_value_view, name="client_value"),
    path("analytics/clients/score/", views.client_value_rescore_view, name="client_value_rescore"),
    path("analytics/metrics/<str:key>/", views.metric_detail, name="metric_detail"),
    path("analytics/reports/", views.report_list, name="report_list"),
    path("analytics/reports/new/", views.report_builder, name="report_builder"),
    path("analytics/reports/save/", views.report_save_view, name="report_save"),
    path("analytics/reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("analytics/reports/<int:pk>/change/", views.report_change_view, name="report_change"),
    re_path(
        r"^analytics/reports/(?P<pk>[0-9]+)/export\.(?P<file_format>csv|xlsx)$",
        views.report_export,
        name="report_export",
    ),
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
