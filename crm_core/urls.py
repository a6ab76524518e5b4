from django.urls import path, re_path

from crm_core.views import commerce, deals, interactions, parties, segments, settings, tasks
from crm_core.views.parties import COMPANIES, CONTACTS

urlpatterns = [
    path("contacts/", parties.record_list, {"kind": CONTACTS}, name="contact_list"),
    path("contacts/new/", parties.record_create, {"kind": CONTACTS}, name="contact_create"),
    re_path(
        r"^contacts/export\.(?P<file_format>csv|xlsx)$",
        parties.record_export,
        {"kind": CONTACTS},
        name="contact_export",
    ),
    re_path(
        r"^companies/export\.(?P<file_format>csv|xlsx)$",
        parties.record_export,
        {"kind": COMPANIES},
        name="company_export",
    ),
    path("contacts/<int:pk>/", parties.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", parties.record_edit, {"kind": CONTACTS}, name="contact_edit"),
    path(
        "contacts/<int:pk>/archive/",
        parties.record_archive_view,
        {"kind": CONTACTS},
        name="contact_archive",
    ),
    path(
        "contacts/<int:pk>/timeline/", interactions.contact_timeline_view, name="contact_timeline"
    ),
    path(
        "contacts/<int:pk>/interactions/",
        interactions.interaction_create,
        name="interaction_create",
    ),
    path("contacts/<int:pk>/stage/", interactions.contact_stage_view, name="contact_stage"),
    path("products/", commerce.product_list, name="product_list"),
    path("price-lists/", commerce.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", commerce.price_list_detail, name="price_list_detail"),
    path("orders/", commerce.order_list, name="order_list"),
    path("orders/new/", commerce.order_create_view, name="order_create"),
    path("orders/<int:pk>/", commerce.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", commerce.order_status_view, name="order_status"),
    path("tasks/", tasks.task_list, name="task_list"),
    path("tasks/new/", tasks.task_form, name="task_create"),
    path("tasks/<int:pk>/", tasks.task_form, name="task_edit"),
    path("tasks/<int:pk>/complete/", tasks.task_complete_view, name="task_complete"),
    path("deals/", deals.deal_board, name="deal_board"),
    path("deals/new/", deals.deal_create_view, name="deal_create"),
    path("deals/<int:pk>/", deals.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", deals.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", deals.deal_move_view, name="deal_move"),
    path("settings/crm/", settings.crm_settings, name="crm_settings"),
    path("settings/segments/", segments.segment_list, name="segment_list"),
    path("settings/segments/new/", segments.segment_edit, name="segment_create"),
    path("settings/segments/<int:pk>/", segments.segment_edit, name="segment_edit"),
    path(
        "contacts/<int:pk>/segment/",
        segments.record_segment,
        {"kind": CONTACTS},
        name="contact_segment",
    ),
    path(
        "companies/<int:pk>/segment/",
        segments.record_segment,
        {"kind": COMPANIES},
        name="company_segment",
    ),
    path("settings/crm/<str:name>/", settings.crm_list_save, name="crm_list_create"),
    path("settings/crm/<str:name>/<int:pk>/", settings.crm_list_save, name="crm_list_update"),
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
