from django.urls import path

from . import cart_views, views

app_name = "orders"
urlpatterns = [
    path("", views.my_orders, name="mine"),
    path("cart/", cart_views.cart_page, name="cart"),
    path("cart/add/", cart_views.add_to_cart, name="add"),
    path("cart/update/", cart_views.update_line, name="update"),
    path("cart/remove/", cart_views.remove_line, name="remove"),
    path("cart/accept-prices/", cart_views.accept_prices, name="accept-prices"),
    path("checkout/", views.checkout_page, name="checkout"),
    path("<int:pk>/", views.order_page, name="order"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
]
