"""The sync benchmark's measures start from the same empty state, whatever the one before left."""
import pytest

from apps.catalog.models import Product
from apps.sync import relay
from apps.sync.models import Delivery, OutboxEvent, ProjectionCursor
from apps.sync.relay_flags import claim_drain, release_drain
from bench.sync_reset import start_afresh
from tests.factories import CategoryFactory, ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_a_fresh_start_empties_the_outbox_products_container_and_index(local_services, clean_stores):
    category = CategoryFactory(name="Lamps")
    for n in range(3):
        ProductFactory(name=f"Lamp {n}", category=category)
    relay.drain()
    assert clean_stores["search"].count("products") == 3 and ProjectionCursor.objects.exists()
    claim_drain("catalog.product.search")  # as a worker stopped mid-drain leaves it

    held = start_afresh()

    assert held == {"outbox_events": 0, "deliveries": 0, "cursors": 0, "products": 0, "documents": 0, "indexed": 0}
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()
    again = ProductFactory(name="Lamp again", category=category)
    assert again.pk == 1, "ids start from 1 again, as in the first run"
    token = claim_drain("catalog.product.search")
    assert token is not None, "no flag of the last worker holds the next one back"
    release_drain("catalog.product.search", token)
    relay.drain()
    assert clean_stores["search"].search("products", "lamp").ids == ["1"]
    assert Product.objects.get().category == category, "the categories stay"
