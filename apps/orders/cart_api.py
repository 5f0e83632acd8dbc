"""The cart in the API: /api/cart/ and its lines. Signed-in clients (session, token or Basic)
have their own cart in the document store; an anonymous client with a session cookie has
the session's cart, which joins the user's at sign-in (apps.orders.cart)."""
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.sync.api_schema import COMMON, ERROR

from .cart import cart_for
from .serializers import AddLineSerializer, CartSerializer, QuantitySerializer, cart_answer

CART = {200: CartSerializer, **COMMON}
CART_LINE = {**CART, 404: ERROR}
PRODUCT_IN_PATH = OpenApiParameter("product", str, OpenApiParameter.PATH, description="The product's id.")


class CartAPIView(APIView):
    """Anyone has a cart: a signed-in user's own, else the session's."""

    permission_classes = [permissions.AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A visitor's cart is reached through their session cookie, so changing it needs the
        # CSRF proof a signed-in session gives (DRF checks it only for authenticated sessions);
        # else any site could fill a visitor's cart.
        if not request.user.is_authenticated and request.method not in permissions.SAFE_METHODS:
            SessionAuthentication().enforce_csrf(request)

    def answer(self, cart, code=status.HTTP_200_OK):
        return Response(cart_answer(cart.lines()), status=code)


class CartView(CartAPIView):
    """Your cart: its lines joined with the products' current rows, and the total at current prices."""

    @extend_schema(responses=CART)
    def get(self, request):
        return self.answer(cart_for(request))


class CartLinesView(CartAPIView):
    """Put a product on sale in the cart (``{"product": id, "quantity": n}``), or more of it:
    201 for a new line, 200 when the line was there; either way the whole cart."""

    @extend_schema(request=AddLineSerializer, responses={201: CartSerializer, **CART})
    def post(self, request):
        data = AddLineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart, product = cart_for(request), str(data.validated_data["product"])
        was_there = product in line_products(cart)
        cart.add(product, data.validated_data["quantity"])
        return self.answer(cart, status.HTTP_200_OK if was_there else status.HTTP_201_CREATED)


class CartLineView(CartAPIView):
    """One line of the cart: PATCH ``{"quantity": n}`` sets its quantity, DELETE removes it.
    A product that is not in the cart answers 404."""

    def line_cart(self, product):
        cart = cart_for(self.request)
        if product not in line_products(cart):
            raise NotFound("This product is not in your cart.")
        return cart

    @extend_schema(request=QuantitySerializer, responses=CART_LINE, parameters=[PRODUCT_IN_PATH])
    def patch(self, request, product):
        data = QuantitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        cart = self.line_cart(product)
        cart.set_quantity(product, data.validated_data["quantity"])
        return self.answer(cart)

    @extend_schema(responses=CART_LINE, parameters=[PRODUCT_IN_PATH])
    def delete(self, request, product):
        cart = self.line_cart(product)
        cart.remove(product)
        return self.answer(cart)


class AcceptPricesView(CartAPIView):
    """Take the products' current prices into the cart, after seeing ``price_changed``: the
    checkout refuses a cart whose prices changed unseen."""

    @extend_schema(request=None, responses=CART)
    def post(self, request):
        cart = cart_for(request)
        cart.accept_prices()
        return self.answer(cart)


def line_products(cart):
    return {line["product"] for line in cart.raw_lines()}
