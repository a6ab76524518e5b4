from django.contrib.auth import views as auth_views
from django.urls import path

from portal.views import account, profile, proposals, shop, staff, support

# The customer's portal; every page but sign-in, sign-up and the links mailed decides
# in `customer_view`.
portal_urlpatterns = [
    path("portal/", shop.home, name="portal_home"),
    path("portal/login/", account.PortalLoginView.as_view(), name="portal_login"),
    path("portal/login/code/", account.login_code, name="portal_login_code"),
    path("portal/logout/", account.PortalLogoutView.as_view(), name="portal_logout"),
    path("portal/signup/", account.signup, name="portal_signup"),
    path("portal/signup/sent/", account.signup_sent, name="portal_signup_sent"),
    path("portal/signup/resend/", account.resend, name="portal_signup_resend"),
    path("portal/verify/<str:token>/", account.verify, name="portal_verify"),
    path("portal/activate/<str:token>/", account.activate, name="portal_activate"),
    path(
        "portal/password-reset/",
        account.PasswordResetView.as_view(),
        name="portal_password_reset",
    ),
    path(
        "portal/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="portal/password_reset_sent.html"),
        name="portal_password_reset_done",
    ),
    path(
        "portal/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="portal_password_reset_confirm",
    ),
    path(
        "portal/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/password_reset_complete.html"
        ),
        name="portal_password_reset_complete",
    ),
    path("portal/logo/", staff.portal_logo, name="portal_logo"),
    path("portal/catalogue/", shop.catalogue_view, name="portal_catalogue"),
    path("portal/catalogue/<int:pk>/", shop.product_detail, name="portal_product"),
    path("portal/catalogue/<int:pk>/image/", shop.product_image, name="portal_product_image"),
    path("portal/cart/", shop.cart_view, name="portal_cart"),
    path("portal/cart/add/", shop.cart_add_view, name="portal_cart_add"),
    path("portal/checkout/", shop.checkout_view, name="portal_checkout"),
    path("portal/orders/", shop.order_list, name="portal_orders"),
    path("portal/orders/<int:pk>/", shop.order_detail, name="portal_order_detail"),
    path("portal/orders/<int:pk>/reorder/", shop.order_reorder, name="portal_order_reorder"),
    path("portal/orders/<int:pk>/pay/", shop.order_pay, name="portal_order_pay"),
    path("portal/orders/<int:pk>/invoice.pdf", shop.order_invoice, name="portal_order_invoice"),
    path("portal/proposals/", proposals.proposal_list, name="portal_proposals"),
    path("portal/proposals/<str:token>/", proposals.proposal_page, name="portal_proposal"),
    path("portal/proposals/<str:token>/pdf/", proposals.proposal_file, name="portal_proposal_pdf"),
    path(
        "portal/proposals/<str:token>/question/",
        proposals.proposal_act,
        {"action": "question"},
        name="portal_proposal_question",
    ),
    path(
        "portal/proposals/<str:token>/decline/",
        proposals.proposal_act,
        {"action": "decline"},
        name="portal_proposal_decline",
    ),
    path(
        "portal/proposals/<str:token>/accept/",
        proposals.proposal_act,
        {"action": "accept"},
        name="portal_proposal_accept",
    ),
    path("portal/support/", support.ticket_list, name="portal_tickets"),
    path("portal/support/new/", support.ticket_create, name="portal_ticket_create"),
    path("portal/support/<int:pk>/", support.ticket_detail, name="portal_ticket_detail"),
    path("portal/support/<int:pk>/close/", support.ticket_close, name="portal_ticket_close"),
    path(
        "portal/support/files/<uuid:uuid>/",
        support.attachment_download,
        name="portal_attachment",
    ),
    path("portal/profile/", profile.profile, name="portal_profile"),
    path("portal/profile/addresses/new/", profile.address_edit, name="portal_address_create"),
    path("portal/profile/addresses/<int:pk>/", profile.address_edit, name="portal_address_edit"),
    path(
        "portal/profile/addresses/<int:pk>/delete/",
        profile.address_remove,
        name="portal_address_delete",
    ),
    path("portal/profile/email/", profile.email_change, name="portal_email_change"),
    path("portal/profile/email/<str:token>/", profile.email_confirm, name="portal_email_confirm"),
    path("portal/profile/password/", profile.password_change, name="portal_password_change"),
    path("portal/profile/security/", profile.security, name="portal_security"),
    path("portal/profile/my-data.zip", profile.data_download, name="portal_data_export"),
    path("portal/profile/erasure/", profile.erasure, name="portal_erasure"),
]

staff_urlpatterns = [
    path("proposals/<int:pk>/send/", staff.proposal_send_view, name="proposal_send"),
    path("settings/portal/", staff.portal_settings, name="portal_settings"),
    path("settings/portal/topics/", staff.support_topic_save, name="support_topic_create"),
    path("settings/portal/domains/<int:pk>/check/", staff.domain_check, name="portal_domain_check"),
    path(
        "settings/portal/domains/<int:pk>/delete/",
        staff.domain_delete,
        name="portal_domain_delete",
    ),
    path(
        "settings/portal/domains/<int:pk>/address/",
        staff.domain_portal_address,
        name="portal_domain_address",
    ),
    path(
        "settings/portal/domains/address/",
        staff.domain_portal_address,
        name="portal_domain_address_own",
    ),
    path("settings/portal/topics/<int:pk>/", staff.support_topic_save, name="support_topic_update"),
    path(
        "settings/portal/recommendations/<int:segment>/",
        staff.recommendations_save,
        name="recommendations_save",
    ),
    path(
        "contacts/<int:pk>/portal-invite/",
        staff.contact_portal_invite,
        name="contact_portal_invite",
    ),
    path("contacts/<int:pk>/erase/", staff.contact_erase_view, name="contact_erase"),
    path("orders/<int:pk>/invoice.pdf", staff.order_invoice, name="order_invoice"),
]

urlpatterns = portal_urlpatterns + staff_urlpatterns
