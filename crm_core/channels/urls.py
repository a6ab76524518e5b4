from django.urls import path

from crm_core.channels.views import telephony as views
from crm_core.channels.views import webforms

urlpatterns = [
    path("hooks/calls/", views.call_events, name="call_events"),
    path("hooks/calls/twilio/", views.call_events_twilio, name="call_event_twilio"),
    path("calls/", views.call_list, name="call_list"),
    path("contacts/<int:pk>/dial/", views.call_dial_view, name="call_dial"),
    path("settings/telephony/", views.telephony_settings, name="telephony_settings"),
    path("settings/telephony/secret/", views.telephony_secret_view, name="telephony_secret"),
    path("settings/telephony/lines/", views.phone_line_add_view, name="phone_line_add"),
    path(
        "settings/telephony/lines/<int:pk>/remove/",
        views.phone_line_remove_view,
        name="phone_line_remove",
    ),
]

urlpatterns += [
    path("marketing/forms/", webforms.webform_list, name="webform_list"),
    path("marketing/forms/new/", webforms.webform_edit, name="webform_new"),
    path("marketing/forms/<int:pk>/", webforms.webform_detail, name="webform_detail"),
    path("marketing/forms/<int:pk>/edit/", webforms.webform_edit, name="webform_edit"),
    path("marketing/forms/<int:pk>/delete/", webforms.webform_delete_view, name="webform_delete"),
    path("embed/forms/<str:key>/", webforms.webform_page, name="webform_page"),
    path("embed/forms/<str:key>/form.js", webforms.webform_embed, name="webform_embed"),
]
