from django.urls import path

from crm_core.lists import api, views

urlpatterns = [
    path("views/<str:kind>/", views.saved_view_create, name="saved_view_create"),
    path("views/<int:pk>/delete/", views.saved_view_delete_view, name="saved_view_delete"),
    path("bulk/<str:kind>/", views.bulk_view, name="bulk"),
    path("bulk/undo/<int:pk>/", views.bulk_undo_view, name="bulk_undo"),
]

api_urlpatterns = [
    path("saved-views/", api.SavedViewListApi.as_view(), name="api-saved-view-list"),
    path("saved-views/<int:pk>/", api.SavedViewDetailApi.as_view(), name="api-saved-view-detail"),
    path("bulk/", api.BulkApi.as_view(), name="api-bulk"),
    path("bulk/<int:pk>/undo/", api.BulkUndoApi.as_view(), name="api-bulk-undo"),
]
