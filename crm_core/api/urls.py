from django.urls import path

from crm_core.api import parties

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
]
