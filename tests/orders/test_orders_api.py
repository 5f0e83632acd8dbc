"""The orders API: /api/cart/ and its lines, /api/orders/ (my orders; POST: the checkout with an
Idempotency-Key), /api/orders/{id}/ and its receipt link. Anonymous clients have a session cart
and nothing else; another user's order or receipt answers 404; staff read every order.

The same tests run against PostgreSQL, cosmosdb-server and Azurite in test_orders_api_services.py,
where the receipt link is Azurite's SAS link instead of a signed /files/ link.
"""
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from apps.catalog.models import Product
from apps.orders.models import Order
from tests.catalog.document_records import deliver_pending
from tests.orders.shop import cart_with, holds, receipt_stored, shopper, stock_of, stocked

pytestmark = pytest.mark.django_db(transaction=True)

KEY = "api-checkout-0001"
JSON = "application/json"


@pytest.fixture
def people(django_user_model):
    return {"owner": shopper("owner"), "another": shopper("another"),
            "staff": django_user_model.objects.create_user("staff", password="pw-unused-123", is_staff=True)}


def token_client(client, user):
    """A client that signs in with the user's API token on every request (no session)."""
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return client


def signed_in(client, user):
    client.force_login(user)
    return client


def place(client, key=KEY, **body):
    return client.post("/api/orders/", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY=key)


def add(client, product, quantity=1):
    return client.post("/api/cart/lines/", {"product": product.pk, "quantity": quantity}, content_type=JSON)


def ordered(client, user, *products_and_quantities, key=KEY):
    """The user's cart filled, then checked out through the API; returns the answer."""
    cart_with(user, *products_and_quantities)
    return place(token_client(client, user), key)


# The cart

def test_an_anonymous_client_fills_the_session_cart_line_by_line(client, clean_stores):
    lamp, desk = stocked(5, name="Lamp", price="20.00"), stocked(5, name="Desk", price="100.00")

    first = add(client, lamp, 2)
    again = add(client, lamp, 1)
    add(client, desk)
    changed = client.patch(f"/api/cart/lines/{desk.pk}/", {"quantity": 3}, content_type=JSON)
    removed = client.delete(f"/api/cart/lines/{lamp.pk}/")
    cart = client.get("/api/cart/").json()

    assert (first.status_code, again.status_code, changed.status_code, removed.status_code) == (201, 200, 200, 200)
    assert [(line["name"], line["quantity"]) for line in again.json()["lines"]] == [("Lamp", 3)]
    assert cart == {"lines": [{"product": str(desk.pk), "name": "Desk", "quantity": 3, "cart_price": "100.00",
                               "price": "100.00", "price_changed": False, "available": True,
                               "subtotal": "300.00"}],
                    "total": "300.00", "price_changed": False}


def test_the_session_cart_joins_the_users_cart_at_sign_in(client, clean_stores, people):
    lamp = stocked(5)
    add(client, lamp, 2)

    cart = signed_in(client, people["owner"]).get("/api/cart/").json()

    assert [(line["product"], line["quantity"]) for line in cart["lines"]] == [(str(lamp.pk), 2)]


def test_token_and_basic_clients_have_the_users_own_cart(client, clean_stores, people):
    lamp = stocked(5)
    cart_with(people["owner"], (lamp, 2))

    by_token = token_client(client, people["owner"]).get("/api/cart/")
    by_basic = client.get("/api/cart/", HTTP_AUTHORIZATION="Basic b3duZXI6cHctdW51c2VkLTEyMw==")  # owner:pw-unused-123

    assert [line["quantity"] for line in by_token.json()["lines"]] == [2]
    assert by_basic.json() == by_token.json()


def test_another_users_cart_lines_cannot_be_reached(client, clean_stores, people):
    lamp = stocked(5)
    cart_with(people["owner"], (lamp, 2))
    intruder = token_client(client, people["another"])

    answers = [intruder.get("/api/cart/"), intruder.patch(f"/api/cart/lines/{lamp.pk}/", {"quantity": 5},
                                                           content_type=JSON),
               intruder.delete(f"/api/cart/lines/{lamp.pk}/")]

    assert answers[0].json()["lines"] == []
    assert [a.status_code for a in answers[1:]] == [404, 404]
    assert cart_with(people["owner"]).raw_lines()[0]["quantity"] == 2


@pytest.mark.parametrize("body, field", [
    ({"quantity": 0}, "quantity"), ({"quantity": -1}, "quantity"), ({"quantity": 10**9}, "quantity"),
    ({"quantity": "x"}, "quantity"), ({"product": "x"}, "product"), ({"product": 10**30}, "product"),
    ({"product": None}, "product"), ({"product": 987654}, "product"), ({"product": "draft"}, "product"),
])
def test_a_bad_line_is_a_400_naming_the_field_and_leaves_the_cart_alone(client, clean_stores, people, body, field):
    lamp, draft = stocked(5), stocked(5, status="draft")
    owner = token_client(client, people["owner"])
    values = {"product": lamp.pk, "quantity": 1, **body}
    if values["product"] == "draft":
        values["product"] = draft.pk

    answer = owner.post("/api/cart/lines/", values, content_type=JSON)

    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert owner.get("/api/cart/").json()["lines"] == []


@pytest.mark.parametrize("quantity", [0, -1, 10**9, "x", None])
def test_a_bad_quantity_for_a_line_is_a_400_and_keeps_the_line(client, clean_stores, people, quantity):
    lamp = stocked(5)
    cart_with(people["owner"], (lamp, 2))
    owner = token_client(client, people["owner"])

    answer = owner.patch(f"/api/cart/lines/{lamp.pk}/", {"quantity": quantity}, content_type=JSON)

    assert answer.status_code == 400 and "quantity" in answer.json()
    assert owner.get("/api/cart/").json()["lines"][0]["quantity"] == 2


def test_the_cart_shows_a_changed_price_until_the_shopper_accepts_it(client, clean_stores, people):
    lamp = stocked(5, price="20.00")
    cart_with(people["owner"], (lamp, 2))
    lamp.price = "25.00"
    lamp.save()
    owner = token_client(client, people["owner"])

    before = owner.get("/api/cart/").json()
    after = owner.post("/api/cart/accept-prices/").json()

    assert (before["price_changed"], before["total"]) == (True, "50.00")
    assert (before["lines"][0]["cart_price"], before["lines"][0]["price"]) == ("20.00", "25.00")
    assert (after["price_changed"], after["lines"][0]["cart_price"]) == (False, "25.00")


# The checkout

def test_a_checkout_answers_201_with_the_order_and_a_retry_200_with_the_same_order(client, clean_stores, people):
    lamp = stocked(5, name="Lamp", price="20.00")

    first = ordered(client, people["owner"], (lamp, 2))
    cart_with(people["owner"], (lamp, 1))  # the cart changed since, but a retry is a retry
    again = place(client)

    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["status"], body["total"], body["payment_state"]) == ("confirmed", "40.00", "authorized")
    assert [(line["name"], line["quantity"], line["unit_price"]) for line in body["lines"]] == [("Lamp", 2, "20.00")]
    assert first["Location"].endswith(f"/api/orders/{body['id']}/")
    assert body["receipt"].endswith(f"/api/orders/{body['id']}/receipt/")
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert (Order.objects.count(), stock_of(lamp)) == (1, 3)
    assert client.get("/api/cart/").json()["lines"][0]["quantity"] == 1


def test_a_session_client_checks_out_the_cart_it_filled(client, clean_stores, people):
    lamp = stocked(5)
    owner = signed_in(client, people["owner"])
    add(owner, lamp, 2)

    answer = place(owner, payment_method="test")

    assert answer.status_code == 201
    assert (answer.json()["payment_method"], stock_of(lamp)) == ("test", 3)
    assert owner.get("/api/cart/").json()["lines"] == []


@pytest.mark.parametrize("headers", [{}, {"HTTP_IDEMPOTENCY_KEY": ""}, {"HTTP_IDEMPOTENCY_KEY": "short"},
                                     {"HTTP_IDEMPOTENCY_KEY": "x" * 65},
                                     {"HTTP_IDEMPOTENCY_KEY": "spaces are bad"}])
def test_a_missing_or_malformed_idempotency_key_is_a_400_naming_it(client, clean_stores, people, headers):
    lamp = stocked(5)
    cart_with(people["owner"], (lamp, 1))

    answer = token_client(client, people["owner"]).post("/api/orders/", {}, content_type=JSON, **headers)

    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.json()
    assert (Order.objects.count(), holds(lamp)) == (0, {})


def test_an_unknown_payment_method_is_a_400_naming_it(client, clean_stores, people):
    lamp = stocked(5)

    cart_with(people["owner"], (lamp, 1))
    answer = place(token_client(client, people["owner"]), payment_method="gold-coins")

    assert answer.status_code == 400 and "payment_method" in answer.json()
    assert (Order.objects.count(), stock_of(lamp), holds(lamp)) == (0, 5, {})


def test_an_empty_cart_is_a_400_and_no_order(client, clean_stores, people):
    answer = place(token_client(client, people["owner"]))

    assert answer.status_code == 400
    assert answer.json() == {"cart": ["Your cart is empty."]}
    assert Order.objects.count() == 0


@pytest.mark.parametrize("change, says", [
    ("price", "changed from $20.00 to $25.00"), ("draft", "no longer for sale"), ("stock", "Only 1 of"),
    ("deleted", "no longer for sale"),
])
def test_a_cart_the_shop_no_longer_agrees_with_is_a_409_with_the_reason_and_nothing_held(
        client, clean_stores, people, change, says):
    from apps.catalog.stock import set_quantity

    lamp = stocked(5, price="20.00")
    cart_with(people["owner"], (lamp, 2))
    if change == "stock":
        set_quantity(lamp, 1)
    elif change == "deleted":
        Product.objects.filter(pk=lamp.pk).delete()
    else:
        lamp.price, lamp.status = ("25.00", lamp.status) if change == "price" else (lamp.price, "draft")
        lamp.save()

    answer = place(token_client(client, people["owner"]))

    assert answer.status_code == 409
    assert says in " ".join(answer.json()["cart"])
    assert Order.objects.count() == 0
    assert change == "deleted" or holds(lamp) == {}


@override_settings(ORDERS_TEST_PAYMENT_OUTCOME="decline")
def test_a_declined_payment_still_makes_an_order_that_says_it_failed(client, clean_stores, people):
    lamp = stocked(5)
    cart_with(people["owner"], (lamp, 1))

    answer = place(token_client(client, people["owner"]), payment_method="test")

    assert answer.status_code == 201
    assert (answer.json()["status"], answer.json()["failure_reason"]) == ("failed", "The test payment was declined.")
    assert answer.json()["receipt"] is None
    assert (stock_of(lamp), holds(lamp)) == (5, {})


def test_anonymous_clients_reach_no_order(client, clean_stores, people):
    lamp = stocked(5)
    order_id = ordered(client, people["owner"], (lamp, 1)).json()["id"]
    client.defaults.pop("HTTP_AUTHORIZATION")
    add(client, lamp)

    answers = [client.get("/api/orders/"), place(client, key="anonymous-key-1"),
               client.get(f"/api/orders/{order_id}/"), client.get(f"/api/orders/{order_id}/receipt/")]

    assert [a.status_code for a in answers] == [401] * 4
    assert Order.objects.count() == 1


def test_an_order_is_read_by_its_owner_and_staff_and_is_404_to_anyone_else(client, clean_stores, people):
    lamp = stocked(5)
    order_id = ordered(client, people["owner"], (lamp, 1)).json()["id"]

    def read(user):
        token_client(client, user)
        return [client.get(f"/api/orders/{order_id}/").status_code,
                client.get(f"/api/orders/{order_id}/receipt/").status_code]

    assert read(people["owner"]) == [200, 200]
    assert read(people["staff"]) == [200, 200]
    assert read(people["another"]) == [404, 404]
    assert client.get("/api/orders/").json()["results"] == [], "staff's and another's own lists are theirs"


def test_a_number_past_any_order_is_a_404(client, clean_stores, people):
    owner = token_client(client, people["owner"])

    assert owner.get(f"/api/orders/{10**17}/").status_code == 404
    assert owner.get(f"/api/orders/{10**30}/").status_code == 404


# My orders

@override_settings(ORDERS_PER_PAGE=2)
def test_my_orders_come_newest_first_a_page_at_a_time(client, clean_stores, people):
    lamp = stocked(10)
    ids = [ordered(client, people["owner"], (lamp, 1), key=f"api-checkout-{n:04d}").json()["id"] for n in range(3)]
    deliver_pending()

    first = client.get("/api/orders/")
    second = client.get(first.json()["next"])
    strong = client.get("/api/orders/", HTTP_CONSISTENCY_LEVEL="strong")

    assert [o["id"] for o in first.json()["results"]] == ids[:0:-1]
    assert ([o["id"] for o in second.json()["results"]], second.json()["next"]) == ([ids[0]], None)
    assert first["X-Read-Source"] == "projection"
    assert strong["X-Read-Source"] == "home"
    assert [o["id"] for o in strong.json()["results"]] == ids[:0:-1]
    summary = first.json()["results"][0]
    assert (summary["number"], summary["status"], summary["items"]) == (f"PS-{ids[2]:06d}", "confirmed", 1)
    assert client.get(summary["url"]).json()["id"] == ids[2]


@pytest.mark.parametrize("cursor", ["x", "-1", "1" * 19])
def test_a_cursor_this_list_did_not_give_is_a_400(client, clean_stores, people, cursor):
    answer = token_client(client, people["owner"]).get("/api/orders/", {"cursor": cursor})

    assert answer.status_code == 400 and "cursor" in answer.json()


def test_an_unknown_consistency_level_is_a_400_naming_the_header(client, clean_stores, people):
    answer = token_client(client, people["owner"]).get("/api/orders/", HTTP_CONSISTENCY_LEVEL="psychic")

    assert answer.status_code == 400 and "Consistency-Level" in answer.json()


def test_checkouts_are_throttled_by_their_own_rate_and_reads_are_not(client, clean_stores, people, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "1000/minute", "user": "1000/minute",
                                                                "checkout": "2/minute"})
    cache.delete_many([f"throttle_checkout_{people['owner'].pk}"])
    owner = token_client(client, people["owner"])

    answers = [place(owner, key=f"api-throttle-{n}").status_code for n in range(3)]

    assert answers == [400, 400, 429], "an empty cart still spends the rate: each checkout costs"
    assert owner.get("/api/orders/").status_code == 200


# The receipt link

def fetch(client, url):
    """The link's answer: (status, body). The services twin fetches Azurite's SAS links with requests."""
    answer = client.get(url)
    return answer.status_code, b"".join(answer.streaming_content) if answer.status_code == 200 else b""


def altered(url):
    """The link with its signature changed: the SAS ``sig`` parameter, else the signed token's last character."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "sig" in query:
        query["sig"] = ("B" if query["sig"][0] == "A" else "A") + query["sig"][1:]
        return urlunsplit(parts._replace(query=urlencode(query)))
    path = parts.path.rstrip("/")
    return urlunsplit(parts._replace(path=path[:-1] + ("A" if path[-1] != "A" else "B")))


@pytest.fixture
def link_fetcher(client):
    return lambda url: fetch(client, url)


def receipt_link(client, user, order_id):
    return token_client(client, user).get(f"/api/orders/{order_id}/receipt/").json()


def test_the_receipt_link_serves_the_receipt_and_refuses_an_altered_one(client, clean_stores, people, link_fetcher):
    lamp = stocked(5, name="Brass lamp")
    order = ordered(client, people["owner"], (lamp, 1)).json()

    link = receipt_link(client, people["owner"], order["id"])
    code, body = link_fetcher(link["url"])

    assert link["expires_in"] == 600
    assert code == 200
    assert order["number"].encode() in body and b"Brass lamp" in body
    assert link_fetcher(altered(link["url"]))[0] == 403
    assert receipt_stored(Order.objects.get(pk=order["id"]))


def test_an_expired_receipt_link_is_refused(client, clean_stores, people, link_fetcher):
    lamp = stocked(5)
    order = ordered(client, people["owner"], (lamp, 1)).json()

    with override_settings(ORDERS_RECEIPT_LINK_SECONDS=0):
        link = receipt_link(client, people["owner"], order["id"])
    time.sleep(1.1)

    assert link["expires_in"] == 0
    assert link_fetcher(link["url"])[0] == 403


def test_an_order_without_a_receipt_has_no_link(client, clean_stores, people):
    lamp = stocked(5)
    cart_with(people["owner"], (lamp, 1))
    with override_settings(ORDERS_TEST_PAYMENT_OUTCOME="decline"):
        order = place(token_client(client, people["owner"]), payment_method="test").json()

    assert client.get(f"/api/orders/{order['id']}/receipt/").status_code == 404


def test_a_visitors_cart_changes_only_with_the_sites_csrf_token(clean_stores):
    from django.test import Client

    lamp = stocked(5)
    visitor = Client(enforce_csrf_checks=True)
    body = {"product": lamp.pk, "quantity": 1}

    forged = visitor.post("/api/cart/lines/", body, content_type="application/json")
    assert forged.status_code == 403 and "CSRF" in forged.json()["detail"]

    visitor.get(f"/products/{lamp.slug}/")  # its add-to-cart form sets the csrftoken cookie
    token = visitor.cookies["csrftoken"].value
    made = visitor.post("/api/cart/lines/", body, content_type="application/json", headers={"X-CSRFToken": token})
    assert made.status_code == 201
    assert [line["product"] for line in visitor.get("/api/cart/").json()["lines"]] == [str(lamp.pk)]


def test_a_body_in_a_media_type_nobody_reads_is_a_documented_415(clean_stores, client):
    from drf_spectacular.generators import SchemaGenerator

    ada, lamp = shopper(), stocked(5)
    client.force_login(ada)
    client.post("/api/cart/lines/", {"product": lamp.pk, "quantity": 1}, content_type="application/json")

    answer = client.patch(f"/api/cart/lines/{lamp.pk}/", "quantity=2", content_type="text/csv")

    assert answer.status_code == 415
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "415" in schema["paths"]["/api/cart/lines/{product}/"]["patch"]["responses"]
