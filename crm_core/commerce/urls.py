from django.urls import path

from crm_core.commerce import api, views

urlpatterns = [
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/prices/", views.product_prices_view, name="product_prices"),
    path("products/<int:pk>/image/", views.product_image, name="product_image"),
    path("price-lists/", views.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create_view, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/status/", views.order_status_view, name="order_status"),
    path("orders/<int:pk>/defer/", views.order_defer_view, name="order_defer"),
]

api_urlpatterns = [
    path("products/", api.ProductListCreateApi.as_view(), name="api-product-list"),
    path("products/<int:pk>/", api.ProductDetailApi.as_view(), name="api-product-detail"),
    path("products/<int:pk>/prices/", api.ProductPricesApi.as_view(), name="api-product-prices"),
    path("products/<int:pk>/image/", api.ProductImageApi.as_view(), name="api-product-image"),
    path("price-lists/", api.PriceListListApi.as_view(), name="api-price-list-list"),
    path("orders/", api.OrderListCreateApi.as_view(), name="api-order-list"),
    path("orders/<int:pk>/", api.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<int:pk>/status/", api.OrderStatusApi.as_view(), name="api-order-status"),
    path("orders/<int:pk>/defer/", api.OrderDeferApi.as_view(), name="api-order-defer"),
]
