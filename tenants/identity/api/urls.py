from django.urls import path

from tenants.identity.api import views

urlpatterns = [
    path("auth/token/", views.TokenObtainApi.as_view(), name="api-token-obtain"),
    path("auth/tokens/", views.TokenListApi.as_view(), name="api-token-list"),
    path("auth/tokens/<int:token_id>/", views.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("me/", views.MeApi.as_view(), name="api-me"),
    path("users/", views.UserListApi.as_view(), name="api-user-list"),
    path("invitations/", views.InvitationCreateApi.as_view(), name="api-invitation-create"),
]
