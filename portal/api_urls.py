from django.urls import path

from portal import api

urlpatterns = [
    path("portal/me/", api.MeApi.as_view(), name="api-portal-me"),
    path("portal/orders/", api.OrderListApi.as_view(), name="api-portal-orders"),
    path("portal/orders/<int:pk>/", api.OrderDetailApi.as_view(), name="api-portal-order"),
    path("portal/orders/<int:pk>/pay/", api.OrderPayApi.as_view(), name="api-portal-order-pay"),
    path("portal/catalog/", api.CatalogApi.as_view(), name="api-portal-catalog"),
    path(
        "portal/catalog/<int:pk>/image/",
        api.ProductImageApi.as_view(),
        name="api-portal-product-image",
    ),
    path("portal/cart/", api.CartApi.as_view(), name="api-portal-cart"),
    path("portal/cart/checkout/", api.CheckoutApi.as_view(), name="api-portal-checkout"),
    path("portal/tickets/", api.TicketListCreateApi.as_view(), name="api-portal-tickets"),
    path("portal/tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="api-portal-ticket"),
    path(
        "portal/tickets/<int:pk>/reply/",
        api.TicketReplyApi.as_view(),
        name="api-portal-ticket-reply",
    ),
]
