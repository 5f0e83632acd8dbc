"""Orders in the API: /api/orders/ (my orders; POST: the checkout), /api/orders/{id}/ and its
receipt link. Everything here needs a signed-in user; another user's order answers 404."""
from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.services import READ_SOURCE_HEADER
from apps.sync import consistency
from apps.sync.api import read_source
from apps.sync.api_schema import COMMON, CONSISTENCY_LEVEL, ERROR
from polyglot_site.throttling import ThrottledWritesMixin

from . import reading, receipts
from .cart import cart_for
from .checkout import KEY_PATTERN, CheckoutRefused, place
from .models import Order
from .serializers import (
    CheckoutSerializer, OrderSerializer, OrdersPageSerializer, OrdersQuerySerializer, ReceiptLinkSerializer,
)
from .throttles import CheckoutThrottle

KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY = OpenApiParameter(
    KEY_HEADER, str, OpenApiParameter.HEADER, required=True, pattern=KEY_PATTERN.pattern,
    description="One key per checkout (a UUID, say), sent again unchanged when retrying it: "
                "the retry answers 200 with the order the first request made, never a second order.",
)
PLACED = OpenApiResponse(OrderSerializer, description="The order this request made (its address in Location).")
LOCATION = OpenApiParameter("Location", str, OpenApiParameter.HEADER, response=[201],
                            description="The new order's address.")
RETRIED = OpenApiResponse(OrderSerializer, description="The order an earlier request with this key made.")
CURSOR = OpenApiParameter("cursor", str, description="`next` of the page before carries it.")


class CartConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Your cart changed against the shop: check it and confirm again."
    default_code = "cart_conflict"


class OrdersAPIView(APIView):
    permission_classes = [permissions.IsAuthenticated]


class OrdersView(ThrottledWritesMixin, OrdersAPIView):
    """Your orders (GET) and the checkout (POST, throttled per user: the ``checkout`` rate)."""

    write_throttle = CheckoutThrottle

    @extend_schema(operation_id="orders_list", parameters=[CURSOR, CONSISTENCY_LEVEL],
                   responses={200: OrdersPageSerializer, **COMMON})
    def get(self, request):
        """Your orders, newest first, a page at a time (``next`` is the following page's URL);
        ``X-Read-Source`` says whether the order documents (``projection``) or SQL (``home``) answered."""
        params = OrdersQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        source = read_source(request, reading.PROJECTION, default=consistency.READ_YOUR_WRITES)
        page = reading.my_orders(request.user.pk, params.validated_data.get("cursor"), source=source)
        next_url = None
        if page.next_cursor is not None:
            next_url = request.build_absolute_uri(f"{reverse('orders-api:orders')}?cursor={page.next_cursor}")
        answer = OrdersPageSerializer({"results": page.orders, "next": next_url}, context={"request": request})
        response = Response(answer.data)
        response[READ_SOURCE_HEADER] = page.source
        return response

    @extend_schema(request=CheckoutSerializer, parameters=[IDEMPOTENCY_KEY, LOCATION],
                   responses={201: PLACED, 200: RETRIED, **COMMON, 409: ERROR})
    def post(self, request):
        """The checkout of your cart, with an ``Idempotency-Key`` header. 201 and the order
        (``Location``) when it was made, whatever the checkout's outcome (its ``status``: confirmed,
        or failed with ``failure_reason``); 200 and the same order for a key sent before; 400 or 409
        with the reasons in ``cart``, and nothing written, when the cart cannot become an order as it is."""
        key = request.headers.get(KEY_HEADER, "")
        if not KEY_PATTERN.match(key):
            raise ValidationError({KEY_HEADER: [
                "Send an Idempotency-Key header of 8 to 64 letters, digits, - or _ (a UUID, say)."]})
        data = CheckoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            order, created = place(request.user, cart_for(request), key=key,
                                   payment_method_code=data.validated_data.get("payment_method"))
        except CheckoutRefused as refused:
            # An empty cart is a request with nothing to do; anything else is the cart
            # disagreeing with the shop now (price, stock, sale), which the client can fix.
            if getattr(refused, "code", None) == "empty":
                raise ValidationError({"cart": refused.messages}) from refused
            raise CartConflict({"cart": refused.messages}) from refused
        answer = OrderSerializer(order, context={"request": request}).data
        if not created:
            return Response(answer)
        return Response(answer, status=status.HTTP_201_CREATED,
                        headers={"Location": request.build_absolute_uri(reverse("orders-api:order", args=[order.pk]))})


def visible_order(request, pk):
    """The order from SQL if this user may see it (its owner, or staff), else 404."""
    orders = Order.objects.prefetch_related("lines")
    if not request.user.is_staff:
        orders = orders.filter(user=request.user)
    return get_object_or_404(orders, pk=pk)


class OrderView(OrdersAPIView):
    """One of your orders, read from SQL: its lines, status, payment state and receipt."""

    @extend_schema(responses={200: OrderSerializer, **COMMON, 404: ERROR})
    def get(self, request, pk):
        return Response(OrderSerializer(visible_order(request, pk), context={"request": request}).data)


class ReceiptView(OrdersAPIView):
    """A link to the order's receipt that expires in ``expires_in`` seconds (ask again for a
    fresh one); 404 while the order has no receipt."""

    @extend_schema(responses={200: ReceiptLinkSerializer, **COMMON, 404: ERROR})
    def get(self, request, pk):
        link = receipts.receipt_link(visible_order(request, pk))
        if link is None:
            raise Http404("This order has no receipt.")
        seconds = settings.ORDERS_RECEIPT_LINK_SECONDS
        return Response(ReceiptLinkSerializer({"url": request.build_absolute_uri(link), "expires_in": seconds}).data)
