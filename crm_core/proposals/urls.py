from django.urls import path

from crm_core.parties.screens import COMPANIES, CONTACTS
from crm_core.proposals import api, views

urlpatterns = [
    path(
        "settings/segments/<int:pk>/proposals/",
        views.segment_proposal_setup,
        name="segment_proposal_setup",
    ),
    path("contacts/<int:pk>/needs/", views.client_needs, {"kind": CONTACTS}, name="contact_needs"),
    path(
        "companies/<int:pk>/needs/", views.client_needs, {"kind": COMPANIES}, name="company_needs"
    ),
    path(
        "contacts/<int:pk>/gates/override/",
        views.client_gate_override,
        {"kind": CONTACTS},
        name="contact_gate_override",
    ),
    path(
        "companies/<int:pk>/gates/override/",
        views.client_gate_override,
        {"kind": COMPANIES},
        name="company_gate_override",
    ),
]

api_urlpatterns = [
    path(
        "contacts/<int:pk>/proposal-gates/",
        api.GatesApi.as_view(),
        {"kind": CONTACTS},
        name="api-contact-proposal-gates",
    ),
    path(
        "companies/<int:pk>/proposal-gates/",
        api.GatesApi.as_view(),
        {"kind": COMPANIES},
        name="api-company-proposal-gates",
    ),
    path(
        "contacts/<int:pk>/needs/",
        api.NeedsApi.as_view(),
        {"kind": CONTACTS},
        name="api-contact-needs",
    ),
    path(
        "companies/<int:pk>/needs/",
        api.NeedsApi.as_view(),
        {"kind": COMPANIES},
        name="api-company-needs",
    ),
    path(
        "segments/<int:pk>/proposal-setup/",
        api.SetupApi.as_view(),
        name="api-segment-proposal-setup",
    ),
]
