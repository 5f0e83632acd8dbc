"""The cached API detail against Redis: an anonymous read, its entry fetched in the throttle's
round trip, answers the same bytes and headers as the uncached read that kept it."""
import pytest

from apps.catalog import caching
from tests.catalog.test_product_api_cache import API, headers_of
from tests.factories import ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_an_anonymous_cached_read_is_the_uncached_answer_byte_for_byte(client, local_services, clean_stores):
    lamp = ProductFactory(name="Brass desk lamp", description="Warm light \u2028 \U0001f4a1.")

    uncached = client.get(f"{API}{lamp.pk}/")
    cached = client.get(f"{API}{lamp.pk}/")

    assert uncached.status_code == cached.status_code == 200
    assert cached.content == uncached.content
    assert headers_of(cached) == headers_of(uncached)
    assert caching.read(caching.api_key(lamp.pk))["text"].encode() == cached.content, "kept as it was served"
