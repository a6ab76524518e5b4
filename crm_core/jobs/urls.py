from django.urls import path

from crm_core.jobs import views
from crm_core.parties.screens import COMPANIES, CONTACTS

urlpatterns = [
    path("contacts/import/", views.import_upload_view, {"kind": CONTACTS}, name="contact_import"),
    path("companies/import/", views.import_upload_view, {"kind": COMPANIES}, name="company_import"),
    path("imports/", views.import_list, name="import_list"),
    path("exports/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<int:pk>/run/", views.import_run_view, name="import_run"),
    path("imports/<int:pk>/undo/", views.import_undo_view, name="import_undo"),
    path("imports/<int:pk>/problems.csv", views.import_report, name="import_report"),
]
