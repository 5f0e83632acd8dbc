from django.urls import path, re_path

from . import api, cart_api

app_name = "orders-api"
urlpatterns = [
    path("cart/", cart_api.CartView.as_view(), name="cart"),
    path("cart/lines/", cart_api.CartLinesView.as_view(), name="cart-lines"),
    path("cart/accept-prices/", cart_api.AcceptPricesView.as_view(), name="cart-accept-prices"),
    path("cart/lines/<str:product>/", cart_api.CartLineView.as_view(), name="cart-line"),
    path("orders/", api.OrdersView.as_view(), name="orders"),
    # At most 18 digits: a longer number is no order, and must not overflow the SQL integer.
    re_path(r"^orders/(?P<pk>[0-9]{1,18})/$", api.OrderView.as_view(), name="order"),
    re_path(r"^orders/(?P<pk>[0-9]{1,18})/receipt/$", api.ReceiptView.as_view(), name="receipt"),
]
