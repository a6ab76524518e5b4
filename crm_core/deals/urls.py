from django.urls import path

from crm_core.deals import api, views

urlpatterns = [
    path("deals/", views.deal_board, name="deal_board"),
    path("deals/new/", views.deal_create_view, name="deal_create"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", views.deal_move_view, name="deal_move"),
    path("deals/<int:pk>/lines/", views.deal_lines_view, name="deal_lines"),
]

api_urlpatterns = [
    path("pipelines/", api.PipelineListApi.as_view(), name="api-pipeline-list"),
    path("deals/", api.DealListCreateApi.as_view(), name="api-deal-list"),
    path("deals/<int:pk>/", api.DealDetailApi.as_view(), name="api-deal-detail"),
    path("deals/<int:pk>/move/", api.DealMoveApi.as_view(), name="api-deal-move"),
    path("deals/<int:pk>/lines/", api.DealLinesApi.as_view(), name="api-deal-lines"),
]
