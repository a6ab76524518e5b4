"""URLs of a company's workspace: staff app, customer portal, REST API."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm_core.workspace.views import dashboard
from tenants.identity.services.links import password_reset_tokens
from tenants.identity.views import account, auth, team

auth_urls = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", auth.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="identity/password_reset.html",
            email_template_name="identity/email/password_reset.txt",
            subject_template_name="identity/email/password_reset_subject.txt",
            token_generator=password_reset_tokens,
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="identity/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="identity/password_reset_confirm.html",
            token_generator=password_reset_tokens,
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="identity/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("auth/handoff/<uidb64>/<token>/", auth.handoff, name="handoff"),
    path("invite/<str:secret>/", auth.invitation_accept_view, name="invitation_accept"),
]

staff_urls = [
    path("", dashboard, name="dashboard"),
    path("team/", team.team_list, name="team"),
    path("team/teams/", team.team_create, name="team_create"),
    path("team/teams/<int:pk>/", team.team_edit, name="team_edit"),
    path("team/<int:pk>/", team.member_edit, name="member_edit"),
    path("team/<int:pk>/active/", team.member_set_active, name="member_set_active"),
    path(
        "team/invitations/<int:pk>/revoke/", team.invitation_revoke_view, name="invitation_revoke"
    ),
    path("settings/profile/", account.profile, name="profile"),
    path("settings/security/", account.security, name="security"),
    path("settings/tokens/", account.api_tokens, name="api_tokens"),
    path(
        "settings/tokens/<int:pk>/revoke/", account.api_token_revoke_view, name="api_token_revoke"
    ),
]

api_urls = [
    path("api/v1/", include("tenants.identity.api.urls")),
    path("api/v1/", include("crm_core.api_urls")),
    path("api/v1/", include("portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    *auth_urls,
    *staff_urls,
    path("", include("crm_core.urls")),
    path("", include("search.urls")),
    path("", include("portal.urls")),
    path("", include("billing.urls")),
    *api_urls,
    path("i18n/", include("django.conf.urls.i18n")),
]

handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
