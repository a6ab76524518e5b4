from django.urls import path, re_path

from crm_core.deals import api, views

urlpatterns = [
    path("deals/", views.deal_board, name="deal_board"),
    path("deals/list/", views.deal_list, name="deal_list"),
    re_path(r"^deals/export\.(?P<file_format>csv|xlsx)$", views.deal_export, name="deal_export"),
    path("deals/new/", views.deal_create_view, name="deal_create"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", views.deal_move_view, name="deal_move"),
    path("deals/<int:pk>/lines/", views.deal_lines_view, name="deal_lines"),
    path("settings/pipelines/", views.pipeline_settings, name="pipeline_settings"),
    path(
        "settings/pipelines/<int:pk>/",
        views.pipeline_settings_save,
        name="pipeline_settings_save",
    ),
    path(
        "settings/pipelines/<int:pk>/stages/", views.pipeline_stage_add, name="pipeline_stage_add"
    ),
    path(
        "settings/pipelines/<int:pk>/stages/<int:stage_pk>/",
        views.pipeline_stage_save,
        name="pipeline_stage_save",
    ),
]

api_urlpatterns = [
    path("pipelines/", api.PipelineListApi.as_view(), name="api-pipeline-list"),
    path("pipelines/<int:pk>/", api.PipelineDetailApi.as_view(), name="api-pipeline-detail"),
    path(
        "pipelines/<int:pk>/stages/",
        api.PipelineStageListApi.as_view(),
        name="api-pipeline-stage-list",
    ),
    path(
        "pipelines/<int:pk>/stages/<int:stage_pk>/",
        api.PipelineStageDetailApi.as_view(),
        name="api-pipeline-stage-detail",
    ),
    path(
        "pipelines/<int:pk>/stages/order/",
        api.PipelineStageOrderApi.as_view(),
        name="api-pipeline-stage-order",
    ),
    path("deals/", api.DealListCreateApi.as_view(), name="api-deal-list"),
    path("deals/<int:pk>/", api.DealDetailApi.as_view(), name="api-deal-detail"),
    path("deals/<int:pk>/move/", api.DealMoveApi.as_view(), name="api-deal-move"),
    path("deals/<int:pk>/lines/", api.DealLinesApi.as_view(), name="api-deal-lines"),
]
