"""The stock tests against cosmosdb-server and PostgreSQL, plus reservations racing for
the last units: never more taken than there was."""
import threading

import pytest
from django.db import connections

from apps.catalog.stock import Stock, reserve, set_quantity
from tests.catalog.test_stock import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.factories import ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_concurrent_reservations_never_take_more_than_there_is(clean_stores, local_services):
    lamp = ProductFactory()
    set_quantity(lamp, 5)
    barrier, outcomes = threading.Barrier(4), [None] * 4

    def take(n):
        try:
            barrier.wait()
            outcomes[n] = reserve(lamp, 2)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(o.applied for o in outcomes) == 2
    assert Stock.objects.get(product=lamp).quantity == 1
