from django.urls import path

from billing import views

urlpatterns = [
    path("settings/billing/", views.billing_settings, name="billing_settings"),
    path("settings/billing/checkout/", views.billing_checkout, name="billing_checkout"),
    path("settings/billing/done/", views.billing_done, name="billing_done"),
    path("settings/billing/portal/", views.billing_portal, name="billing_portal"),
    path("settings/billing/seats/", views.billing_seats, name="billing_seats"),
    path("settings/billing/connect/", views.billing_connect, name="billing_connect"),
    path(
        "settings/billing/connect/return/",
        views.billing_connect_return,
        name="billing_connect_return",
    ),
    path(
        "orders/<int:pk>/payments/<int:payment_pk>/refund/",
        views.payment_refund_view,
        name="payment_refund",
    ),
]
