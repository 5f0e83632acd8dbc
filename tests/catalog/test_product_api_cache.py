"""The cached API detail is the uncached answer: the same bytes and the same headers. Its
JSON is kept as the renderer wrote it and served as it is; an indent, the browsable API
or an entry of another shape get what a fresh answer would give."""
import json

import pytest
from django.core.cache import caches

from apps.catalog import api_cache, caching
from apps.catalog.services import save_product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/products/"
# Headers set per connection or per answer's length are not the answer's own.
NOT_COMPARED = {"Date", "Content-Length"}


def headers_of(response):
    return {name: value for name, value in response.headers.items() if name not in NOT_COMPARED}


@pytest.fixture
def lamp(clean_stores):
    return ProductFactory(name="Brass desk lamp", description="Warm light \u2028 and \u00e9t\u00e9 \U0001f4a1.")


def test_a_cached_detail_is_the_uncached_answer_byte_for_byte_with_the_same_headers(client, lamp,
                                                                                    django_assert_num_queries):
    uncached = client.get(f"{API}{lamp.pk}/")
    with django_assert_num_queries(0):
        cached = client.get(f"{API}{lamp.pk}/")

    assert uncached.status_code == cached.status_code == 200
    assert cached.content == uncached.content
    assert headers_of(cached) == headers_of(uncached)
    assert cached["ETag"] == '"1"' and cached["Content-Type"] == "application/json"
    assert "Content-Security-Policy" in cached and cached["X-Frame-Options"] == "DENY"


def test_the_kept_json_is_served_as_it_is_not_decoded_and_rendered_again(client, lamp):
    client.get(f"{API}{lamp.pk}/")
    kept = caching.read(caching.api_key(lamp.pk))
    # The same JSON written otherwise (spaces, key order): rendering it again would give DRF's bytes.
    data = json.loads(kept["text"])
    respaced = json.dumps(dict(reversed(list(data.items()))), indent=1)
    caching.write(caching.api_key(lamp.pk), {**kept, "text": respaced}, version=kept["version"])

    cached = client.get(f"{API}{lamp.pk}/")

    assert cached.content == respaced.encode()
    assert cached.json() == data and cached["ETag"] == f'"{data["version"]}"'


@pytest.mark.parametrize("accept", ["application/json; indent=4", "text/html"])
def test_an_indent_or_the_browsable_api_gets_what_an_uncached_answer_gives(client, lamp, accept):
    client.get(f"{API}{lamp.pk}/")  # cached
    cached = client.get(f"{API}{lamp.pk}/", HTTP_ACCEPT=accept)
    caches[caching.CACHE_ALIAS].delete(caching.api_key(lamp.pk))
    uncached = client.get(f"{API}{lamp.pk}/", HTTP_ACCEPT=accept)

    assert cached.status_code == uncached.status_code == 200
    assert cached["Content-Type"] == uncached["Content-Type"]
    if accept.startswith("application/json"):
        assert cached.content == uncached.content and b'\n    "name": "Brass desk lamp"' in cached.content
    else:
        assert "Brass desk lamp" in cached.content.decode() and cached["ETag"] == uncached["ETag"]


def test_an_entry_kept_in_another_shape_is_made_again(client, lamp):
    data = client.get(f"{API}{lamp.pk}/").json()
    # As kept before the JSON text was: the data itself.
    caching.write(caching.api_key(lamp.pk), {**data, "name": "Old shape"}, version=data["version"])

    answer = client.get(f"{API}{lamp.pk}/")

    assert answer.status_code == 200 and answer.json()["name"] == "Brass desk lamp"
    assert api_cache.read(str(lamp.pk)).version == data["version"]


def test_a_zero_padded_id_reads_the_entry_an_edit_drops(client, lamp):
    assert client.get(f"{API}00{lamp.pk}/").json()["name"] == "Brass desk lamp"  # cached

    lamp.name = "Brass reading lamp"
    save_product(lamp)  # its cache projection drops the product's entries

    assert client.get(f"{API}00{lamp.pk}/").json()["name"] == "Brass reading lamp"
