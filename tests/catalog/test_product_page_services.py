"""The product page and the API detail in the services profile: PostgreSQL, cosmosdb-server,
Redis. With Cosmos DB unreachable (a port nobody listens on) the page still answers 200
with its notice; readings are cached in Redis as JSON, never pickles, and an edit shows
on the next view."""
import base64
import json
import os
import socket

import pytest
from django.urls import reverse
from django_redis import get_redis_connection

from apps.catalog import caching
from apps.catalog.services import save_product
from apps.sync import relay
from tests.factories import ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NOTICE = "Part of this page is missing right now"
PICKLE_PROTOCOL_2_AND_UP = b"\x80"


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cosmos_unreachable(local_services, clean_stores, settings):
    """The real Cosmos backend pointed at a port nobody listens on."""
    settings.POLYGLOT_BREAKERS = {"FAILURE_THRESHOLD": 2, "RESET_SECONDS": 60}
    settings.POLYGLOT_STORES = {
        **settings.POLYGLOT_STORES,
        "documents": {
            "BACKEND": "apps.stores.documents.cosmos.CosmosDocumentStore",
            "OPTIONS": {"endpoint": f"https://127.0.0.1:{closed_port()}", "key": base64.b64encode(b"k" * 32).decode(),
                        "database": "unreachable", "verify_tls": False},
        },
    }


def page(client, product):
    return client.get(reverse("catalog:product-detail", kwargs={"slug": product.slug}))


def redis_values():
    """Every value this run keeps in Redis, by key."""
    redis = get_redis_connection("default")
    prefix = os.environ["CACHE_KEY_PREFIX"]
    return {key.decode(): redis.get(key) for key in redis.scan_iter(match=f"{prefix}:*")}


def test_with_cosmos_unreachable_the_page_answers_200_with_the_notice_and_soon_skips_it(client, cosmos_unreachable):
    lamp = ProductFactory(name="Brass desk lamp", price="40.00")

    first = page(client, lamp)  # its document parts (specifications, stock, reviews) fail: the breaker opens
    failures = client.get(reverse("health:ready")).json()["circuits"]["documents"]["failures"]
    skipped = page(client, lamp)

    assert first.status_code == skipped.status_code == 200
    for response in (first, skipped):
        body = response.content.decode()
        assert NOTICE in body and "Specifications, Availability, Reviews could not be loaded" in body
        assert "Brass desk lamp" in body
    health = client.get(reverse("health:ready")).json()
    assert health["status"] == "degraded"
    assert health["circuits"]["documents"]["state"] == "open"
    assert failures >= 2 and health["circuits"]["documents"]["failures"] == failures, \
        "the second view skipped Cosmos DB instead of failing"


def test_the_page_is_cached_in_redis_as_json_and_an_edit_shows_on_the_next_view(client, local_services, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp", description="Warm light.")
    relay.drain()  # the document and search entry, as a worker would write them

    assert "Warm light." in page(client, lamp).content.decode()
    cached = json.loads(redis_values()[f"{os.environ['CACHE_KEY_PREFIX']}:1:{caching.page_key(lamp.pk)}"])
    assert cached["version"] == 1 and cached["value"]["details"]["name"] == "Brass desk lamp"

    lamp.description = "Bright light."
    save_product(lamp)  # no worker runs: the cached reading names version 1, the row says 2

    body = page(client, lamp).content.decode()
    assert "Bright light." in body and "Warm light." not in body


def test_an_api_client_sees_its_own_edit_on_the_next_read(client, local_services, clean_stores, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=False)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="change_product"))
    lamp = ProductFactory(name="Brass desk lamp")
    client.force_login(editor)
    assert client.get(f"/api/products/{lamp.pk}/").json()["name"] == "Brass desk lamp"

    client.patch(f"/api/products/{lamp.pk}/", {"name": "Brass reading lamp"}, content_type="application/json")
    after = client.get(f"/api/products/{lamp.pk}/")

    assert after.json()["name"] == "Brass reading lamp" and after["ETag"] == '"2"'
    relay.drain()  # the cache projection drops the entry: everyone reads the edit
    assert client.get(f"/api/products/{lamp.pk}/").json()["name"] == "Brass reading lamp"


def test_nothing_pickled_reaches_redis(client, local_services, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp")
    relay.drain()
    page(client, lamp)
    client.get(f"/api/products/{lamp.pk}/")
    client.get("/api/products/suggest/", {"q": "bra"})  # the throttle's history is cached too

    values = redis_values()

    assert any(caching.PAGE_PREFIX in key for key in values) and any(caching.API_PREFIX in key for key in values)
    for key, value in values.items():
        assert not value.startswith(PICKLE_PROTOCOL_2_AND_UP), f"{key} holds a pickle"
        json.loads(value)  # raises on anything but JSON


def test_an_anonymous_cached_read_rides_in_the_throttles_round_trip_and_sees_the_next_edit(
    client, local_services, clean_stores, monkeypatch
):
    from django_redis.client import DefaultClient

    lamp = ProductFactory(name="Brass desk lamp")
    client.get(f"/api/products/{lamp.pk}/")  # cached
    single_reads = []
    real_get = DefaultClient.get
    monkeypatch.setattr(DefaultClient, "get", lambda self, key, *a, **k: single_reads.append(key) or real_get(
        self, key, *a, **k))

    cached = client.get(f"/api/products/{lamp.pk}/")
    lamp.name = "Brass reading lamp"
    save_product(lamp)
    relay.drain()  # the cache projection drops the entry
    fresh = client.get(f"/api/products/{lamp.pk}/")

    assert cached.json()["name"] == "Brass desk lamp"
    assert fresh.json()["name"] == "Brass reading lamp"
    assert caching.api_key(lamp.pk) not in single_reads, "read with the throttle's count, in one round trip"
