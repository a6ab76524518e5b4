from django.urls import path

from crm_core.views import parties
from crm_core.views.parties import COMPANIES, CONTACTS

urlpatterns = [
    path("contacts/", parties.record_list, {"kind": CONTACTS}, name="contact_list"),
    path("contacts/new/", parties.record_create, {"kind": CONTACTS}, name="contact_create"),
    path("contacts/<int:pk>/", parties.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", parties.record_edit, {"kind": CONTACTS}, name="contact_edit"),
    path(
        "contacts/<int:pk>/archive/",
        parties.record_archive_view,
        {"kind": CONTACTS},
        name="contact_archive",
    ),
    path("companies/", parties.record_list, {"kind": COMPANIES}, name="company_list"),
    path("companies/new/", parties.record_create, {"kind": COMPANIES}, name="company_create"),
    path("companies/<int:pk>/", parties.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", parties.record_edit, {"kind": COMPANIES}, name="company_edit"),
    path(
        "companies/<int:pk>/archive/",
        parties.record_archive_view,
        {"kind": COMPANIES},
        name="company_archive",
    ),
]
