from django.urls import path

from crm_core.parties.screens import COMPANIES, CONTACTS
from crm_core.segments import api, views

urlpatterns = [
    path("settings/segments/", views.segment_list, name="segment_list"),
    path("settings/segments/new/", views.segment_edit, name="segment_create"),
    path("settings/segments/<int:pk>/", views.segment_edit, name="segment_edit"),
    path(
        "contacts/<int:pk>/segment/",
        views.record_segment,
        {"kind": CONTACTS},
        name="contact_segment",
    ),
    path(
        "companies/<int:pk>/segment/",
        views.record_segment,
        {"kind": COMPANIES},
        name="company_segment",
    ),
]

api_urlpatterns = [
    path("segments/", api.SegmentListCreateApi.as_view(), name="api-segment-list"),
    path("segments/<int:pk>/", api.SegmentDetailApi.as_view(), name="api-segment-detail"),
]
