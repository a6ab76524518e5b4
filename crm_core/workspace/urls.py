from django.urls import path

from crm_core.workspace import api, views

urlpatterns = [
    path("settings/crm/", views.crm_settings, name="crm_settings"),
    path("settings/currencies/", views.exchange_rates, name="exchange_rates"),
    path("settings/crm/call-rule/", views.call_rule_save_view, name="call_rule_save"),
    path("settings/requisites/", views.own_requisites_view, name="own_requisites"),
    path("settings/crm/<str:name>/", views.crm_list_save, name="crm_list_create"),
    path("settings/crm/<str:name>/<int:pk>/", views.crm_list_save, name="crm_list_update"),
]

api_urlpatterns = [
    path("settings/requisites/", api.OwnRequisitesApi.as_view(), name="api-own-requisites"),
]
