from django.urls import path, re_path

from crm_core.parties import api, views
from crm_core.parties.screens import COMPANIES, CONTACTS

urlpatterns = [
    path("contacts/", views.record_list, {"kind": CONTACTS}, name="contact_list"),
    path("contacts/new/", views.record_create, {"kind": CONTACTS}, name="contact_create"),
    re_path(
        r"^contacts/export\.(?P<file_format>csv|xlsx)$",
        views.record_export,
        {"kind": CONTACTS},
        name="contact_export",
    ),
    re_path(
        r"^companies/export\.(?P<file_format>csv|xlsx)$",
        views.record_export,
        {"kind": COMPANIES},
        name="company_export",
    ),
    path("lookup/contacts/", views.lookup, {"kind": CONTACTS}, name="contact_lookup"),
    path("lookup/companies/", views.lookup, {"kind": COMPANIES}, name="company_lookup"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.record_edit, {"kind": CONTACTS}, name="contact_edit"),
    path(
        "contacts/<int:pk>/archive/",
        views.record_archive_view,
        {"kind": CONTACTS},
        name="contact_archive",
    ),
    path("companies/", views.record_list, {"kind": COMPANIES}, name="company_list"),
    path("companies/new/", views.record_create, {"kind": COMPANIES}, name="company_create"),
    path("companies/<int:pk>/", views.company_detail, name="company_detail"),
    path("companies/<int:pk>/timeline/", views.company_timeline_view, name="company_timeline"),
    path("companies/<int:pk>/edit/", views.record_edit, {"kind": COMPANIES}, name="company_edit"),
    path(
        "companies/<int:pk>/archive/",
        views.record_archive_view,
        {"kind": COMPANIES},
        name="company_archive",
    ),
]

api_urlpatterns = [
    path("contacts/", api.ContactListCreateApi.as_view(), name="api-contact-list"),
    path("contacts/<int:pk>/", api.ContactDetailApi.as_view(), name="api-contact-detail"),
    path("companies/", api.CompanyListCreateApi.as_view(), name="api-company-list"),
    path("companies/<int:pk>/", api.CompanyDetailApi.as_view(), name="api-company-detail"),
    path(
        "lifecycle-stages/",
        api.LifecycleStageListApi.as_view(),
        name="api-lifecycle-stage-list",
    ),
]
