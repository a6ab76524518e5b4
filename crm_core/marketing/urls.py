from django.urls import path

from crm_core.marketing import api, views

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
