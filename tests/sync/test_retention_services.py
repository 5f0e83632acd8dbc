"""Outbox retention on PostgreSQL: it neither waits for nor breaks a relay delivery in flight
(row locks held in another connection), and beat prunes while a real worker delivers."""
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from apps.sync import relay, retention
from apps.sync.homes import SQLHome
from apps.sync.models import Delivery, OutboxEvent, ProjectionCursor
from apps.sync.projectors import Projector, registry
from tests.factories import ProductFactory
from tests.processes import eventually
from tests.sync.test_faults_services import QUICK_SYNC
from tests.testapp.models import Basket

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class HeldProjector(Projector):
    """A projection whose write waits until the test lets it go, holding the relay's row locks."""

    name = "testapp.basket.held"
    aggregatetype = "testapp.basket"
    home = SQLHome(Basket)

    def __init__(self):
        self.entered, self.release, self.applied = threading.Event(), threading.Event(), []

    def apply(self, event):
        self.entered.set()
        assert self.release.wait(30), "the test never let the delivery go"
        self.applied.append((event.aggregateid, event.version))


@pytest.fixture
def held():
    projector = registry.register(HeldProjector())
    yield projector
    projector.release.set()
    registry.unregister(projector.name)


def make_old(queryset):
    queryset.update(created_at=timezone.now() - timedelta(days=8))


def deliver_in_another_connection(projection):
    def run():
        try:
            relay.drain(projection=projection)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_pruning_while_a_delivery_is_in_flight_neither_waits_nor_breaks_it(local_services, clean_stores, held):
    products = [ProductFactory(name=f"Lamp {n}") for n in range(3)]
    relay.drain()  # no worker in this test: deliver the products' events here
    basket = Basket.objects.create(owner="ada")
    make_old(OutboxEvent.objects.all())
    thread = deliver_in_another_connection(held.name)
    assert held.entered.wait(20), "the relay never reached the projection"

    started = time.monotonic()
    during = retention.prune()
    took = time.monotonic() - started
    held.release.set()
    thread.join(30)

    assert took < 5, f"pruning waited {took:.1f}s on the relay's locks"
    assert (during.events, during.kept) == (len(products), 1)
    event = OutboxEvent.objects.get(aggregatetype="testapp.basket")
    assert Delivery.objects.get(event=event, projection=held.name).status == "done"
    assert held.applied == [(str(basket.pk), 1)]
    assert ProjectionCursor.objects.get(projection=held.name, aggregateid=str(basket.pk)).version == 1
    after = retention.prune()
    assert after.events == 1 and not OutboxEvent.objects.exists() and not Delivery.objects.exists()


@pytest.mark.slow
def test_beat_prunes_delivered_events_while_the_worker_delivers(start_worker, clean_stores):
    start_worker(beat=True, SYNC_OUTBOX_RETENTION_SECONDS=1, SYNC_OUTBOX_PRUNE_INTERVAL_SECONDS=1,
                 SYNC_OUTBOX_PRUNE_BATCH=2, **QUICK_SYNC)
    products = [ProductFactory(name=f"Lamp {n}") for n in range(5)]
    for product in products:
        product.name = f"{product.name} renamed"
        product.save()

    eventually(lambda: not OutboxEvent.objects.exists(), timeout=90, interval=0.5,
               message="beat pruned every delivered event")
    assert not Delivery.objects.exists()
    held = {d["id"]: d for d in clean_stores["documents"].scan("products")}
    assert {pk: held[pk]["name"] for pk in held} == {str(p.pk): p.name for p in products}
    assert set(ProjectionCursor.objects.filter(projection="catalog.product.document").values_list("version", flat=True)) == {2}
