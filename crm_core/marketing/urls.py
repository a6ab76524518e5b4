from django.urls import path, re_path

from crm_core.marketing import api
from crm_core.marketing.views import campaigns as views
from crm_core.marketing.views import mailings

urlpatterns = [
    path("marketing/campaigns/", views.campaign_list, name="campaign_list"),
    path("marketing/campaigns/new/", views.campaign_edit, name="campaign_new"),
    path("marketing/campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("marketing/campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path(
        "marketing/campaigns/<int:pk>/members/",
        views.campaign_members_view,
        name="campaign_members_add",
    ),
    path(
        "marketing/campaigns/<int:pk>/members/<int:member_pk>/",
        views.campaign_member_step,
        name="campaign_member_step",
    ),
    path(
        "marketing/campaigns/<int:campaign_pk>/mailings/new/",
        mailings.mailing_edit,
        name="mailing_new",
    ),
    path("marketing/mailings/<int:pk>/", mailings.mailing_detail, name="mailing_detail"),
    path("marketing/mailings/<int:pk>/edit/", mailings.mailing_edit, name="mailing_edit"),
    re_path(
        r"^marketing/mailings/(?P<pk>[0-9]+)/(?P<action>start|pause|resume|cancel|winner)/$",
        mailings.mailing_action,
        name="mailing_action",
    ),
    path("portal/email/<str:token>/", mailings.email_preferences, name="email_preferences"),
    path("portal/m/o/<str:token>/", mailings.mailing_open, name="mailing_open"),
    path("portal/m/c/<str:token>/<int:link>/", mailings.mailing_click, name="mailing_click"),
    path("portal/sms/status/", mailings.sms_status, name="sms_status"),
    path("marketing/audiences/", views.audience_list, name="audience_list"),
    path("marketing/audiences/new/", views.audience_edit, name="audience_new"),
    path("marketing/audiences/<int:pk>/", views.audience_edit, name="audience_edit"),
    path("marketing/audiences/<int:pk>/delete/", views.audience_remove, name="audience_delete"),
]

api_urlpatterns = [
    path("audiences/", api.AudienceListApi.as_view(), name="api-audience-list"),
    path("audiences/<int:pk>/", api.AudienceApi.as_view(), name="api-audience-detail"),
    path("campaigns/", api.CampaignListApi.as_view(), name="api-campaign-list"),
    path("campaigns/<int:pk>/", api.CampaignApi.as_view(), name="api-campaign-detail"),
    path(
        "campaigns/<int:pk>/mailings/",
        api.CampaignMailingsApi.as_view(),
        name="api-campaign-mailings",
    ),
    path("mailings/<int:pk>/", api.MailingApi.as_view(), name="api-mailing-detail"),
    re_path(
        r"^mailings/(?P<pk>[0-9]+)/(?P<action>start|pause|resume|cancel|winner)/$",
        api.MailingActionApi.as_view(),
        name="api-mailing-action",
    ),
    path(
        "campaigns/<int:pk>/results/",
        api.CampaignResultsApi.as_view(),
        name="api-campaign-results",
    ),
    path(
        "campaigns/<int:pk>/members/",
        api.CampaignMembersApi.as_view(),
        name="api-campaign-members",
    ),
    path(
        "campaigns/<int:pk>/members/<int:member_pk>/",
        api.CampaignMemberApi.as_view(),
        name="api-campaign-member",
    ),
]
