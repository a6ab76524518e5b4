"""URLs of the public site (no tenant): product pages, signup, operator admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crm_core.marketing.feedback import provider_webhook
from onboarding import views as onboarding
from onboarding.api import SignupApi
from tenants.views import public

urlpatterns = [
    path("", public.home, name="home"),
    path("signup/", onboarding.signup, name="signup"),
    path("signup/check/", public.subdomain_check, name="signup_check"),
    path("api/v1/signup/", SignupApi.as_view(), name="api-signup"),
    path("", include("billing.urls_public")),
    path("mail/<str:provider>/tracking/", provider_webhook, name="mail_tracking"),
    path(
        "api/schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="api-schema"
    ),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
