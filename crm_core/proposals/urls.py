from django.urls import path

from crm_core.parties.screens import COMPANIES, CONTACTS
from crm_core.proposals import api
from crm_core.proposals.views import documents, proposals
from crm_core.proposals.views import gates as views

urlpatterns = [
    path("proposals/", proposals.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path(
        "proposals/<int:pk>/pdf/",
        documents.proposal_download,
        {"file_format": "pdf"},
        name="proposal_pdf",
    ),
    path(
        "proposals/<int:pk>/docx/",
        documents.proposal_download,
        {"file_format": "docx"},
        name="proposal_docx",
    ),
    path(
        "proposals/<int:pk>/documents/",
        documents.proposal_documents_make,
        name="proposal_documents_make",
    ),
    path("documents/<int:pk>/file/", documents.document_file, name="document_file"),
    path("document-packages/new/", documents.document_package_new, name="document_package_new"),
    path("document-packages/<int:pk>/", documents.document_package, name="document_package"),
    path(
        "document-packages/<int:pk>/status/",
        documents.document_package_status,
        name="document_package_status",
    ),
    path(
        "document-packages/<int:pk>/file/",
        documents.document_package_file,
        name="document_package_file",
    ),
    path("settings/documents/", documents.document_templates, name="document_templates"),
    path(
        "settings/documents/new/",
        documents.document_template_edit,
        name="document_template_new",
    ),
    path(
        "settings/documents/<int:pk>/",
        documents.document_template_edit,
        name="document_template_edit",
    ),
    path(
        "settings/documents/<int:pk>/word/",
        documents.document_template_word,
        name="document_template_word",
    ),
    path(
        "settings/documents/word/<str:language>/",
        documents.document_template_word_default,
        name="document_template_word_default",
    ),
    path(
        "settings/documents/<int:pk>/delete/",
        documents.document_template_remove,
        name="document_template_delete",
    ),
    path(
        "proposals/<int:pk>/approval/",
        proposals.proposal_approval_ask,
        name="proposal_approval_ask",
    ),
    path(
        "proposals/<int:pk>/decision/",
        proposals.proposal_approval_decide,
        name="proposal_approval_decide",
    ),
    path(
        "settings/proposals/discounts/",
        proposals.discount_limits_view,
        name="proposal_discount_limits",
    ),
    path(
        "contacts/<int:pk>/proposals/new/",
        proposals.proposal_new,
        {"kind": CONTACTS},
        name="contact_proposal_new",
    ),
    path(
        "companies/<int:pk>/proposals/new/",
        proposals.proposal_new,
        {"kind": COMPANIES},
        name="company_proposal_new",
    ),
    path("deals/<int:pk>/proposals/new/", proposals.deal_proposal_new, name="deal_proposal_new"),
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
    path("proposals/", api.ProposalListApi.as_view(), name="api-proposal-list"),
    path("proposals/<int:pk>/", api.ProposalApi.as_view(), name="api-proposal-detail"),
    path(
        "proposals/<int:pk>/approval/",
        api.ProposalApprovalApi.as_view(),
        name="api-proposal-approval",
    ),
    path(
        "proposal-discount-limits/",
        api.DiscountLimitsApi.as_view(),
        name="api-proposal-discount-limits",
    ),
    path(
        "proposals/<int:pk>/pdf/",
        api.ProposalFileApi.as_view(),
        {"file_format": "pdf"},
        name="api-proposal-pdf",
    ),
    path(
        "proposals/<int:pk>/docx/",
        api.ProposalFileApi.as_view(),
        {"file_format": "docx"},
        name="api-proposal-docx",
    ),
    path("document-templates/", api.TemplateListApi.as_view(), name="api-document-template-list"),
    path(
        "document-templates/<int:pk>/",
        api.TemplateApi.as_view(),
        name="api-document-template-detail",
    ),
    path(
        "document-templates/<int:pk>/word/",
        api.TemplateWordApi.as_view(),
        name="api-document-template-word",
    ),
    path("document-merge-fields/", api.MergeFieldsApi.as_view(), name="api-document-merge-fields"),
    path(
        "proposals/<int:pk>/documents/",
        api.ProposalDocumentsApi.as_view(),
        name="api-proposal-documents",
    ),
    path(
        "proposals/<int:pk>/packages/",
        api.ProposalPackagesApi.as_view(),
        name="api-proposal-packages",
    ),
    path("document-packages/<int:pk>/", api.PackageApi.as_view(), name="api-document-package"),
]
