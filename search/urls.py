from django.urls import path

from search import views
from search.api import SearchApi

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("search/index/", views.search_index, name="search_index"),
    path("search/index/status/", views.search_index_status, name="search_index_status"),
    path("search/index/rebuild/", views.search_index_rebuild, name="search_index_rebuild"),
    path("api/v1/search/", SearchApi.as_view(), name="api-search"),
]
