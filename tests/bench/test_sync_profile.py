"""The sync benchmark's account of where a latency run's time went, from the delivery rows."""
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.sync.models import Delivery
from bench.sync_profile import latency_profile
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS, SEARCH = "catalog.product.document", "catalog.product.search"


def test_each_projections_batches_and_delays_are_read_from_the_stamps(clean_stores):
    products = [ProductFactory(name=f"Lamp {n}") for n in range(4)]
    committed_at = timezone.now()
    committed = {}
    for n, product in enumerate(products):
        delivery = Delivery.objects.filter(event__aggregateid=str(product.pk))
        committed[delivery.first().event_id] = committed_at
        # Documents: two batches of two, 30 ms apart. Search: one batch of four, at 100 ms.
        delivery.filter(projection=DOCUMENTS).update(delivered_at=committed_at + timedelta(milliseconds=20 + 30 * (n // 2)))
        delivery.filter(projection=SEARCH).update(delivered_at=committed_at + timedelta(milliseconds=100))

    profile = latency_profile(committed, (DOCUMENTS, SEARCH))

    assert profile[DOCUMENTS] == {
        "commit_to_stamp_p50_ms": 20.0, "commit_to_stamp_p99_ms": 50.0, "batches": 2, "events_per_batch_p50": 2,
        "events_per_batch_max": 2, "between_batches_p50_ms": 30.0, "between_batches_p99_ms": 30.0,
    }
    assert profile[SEARCH]["batches"] == 1 and profile[SEARCH]["events_per_batch_max"] == 4
    assert profile[SEARCH]["commit_to_stamp_p99_ms"] == 100.0 and profile[SEARCH]["between_batches_p50_ms"] is None
