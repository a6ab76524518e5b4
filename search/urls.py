from django.urls import path

from search import views
from search.api import SearchApi

urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("api/v1/search/", SearchApi.as_view(), name="api-search"),
]
