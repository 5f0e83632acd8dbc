"""Fault tests with real processes: PostgreSQL, RabbitMQ, Celery workers, cosmosdb-server.

No acknowledged write may be lost from a projection, whatever dies or fails.
"""
import random
import socket
import time

import pytest
from django.core.management import call_command

from apps.catalog.models import Product
from apps.sync.models import Delivery
from apps.sync.projectors import registry
from polyglot_site.celery import app as celery_app
from tests.conftest import port_open
from tests.factories import CategoryFactory, ProductFactory
from tests.processes import eventually

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Fast retries and a frequent sweeper so the tests take seconds, not minutes.
QUICK_SYNC = {
    "SYNC_MAX_ATTEMPTS": 3,
    "SYNC_RETRY_BASE_SECONDS": 0.2,
    "SYNC_RETRY_MAX_SECONDS": 0.5,
    "SYNC_SWEEP_GRACE_SECONDS": 1,
    "SYNC_SWEEP_INTERVAL_SECONDS": 0.5,
    "SYNC_DRAIN_LEASE_SECONDS": 3,
}


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def projections_per_product():
    """How many deliveries each product event makes: one per projection of products."""
    return len(registry.for_type(Product.outbox_aggregate_type))


def undelivered():
    return Delivery.objects.exclude(status=Delivery.Status.DONE).count()


def assert_converged(stores, products):
    """Every product's document and search entry hold its current version, once."""
    documents = {d["id"]: d for d in _all_documents(stores)}
    assert len(documents) == len(products)
    for product in Product.objects.filter(pk__in=[p.pk for p in products]):
        assert documents[str(product.pk)]["version"] == product.version
        assert documents[str(product.pk)]["name"] == product.name
    assert stores["search"].count("products") == len(products)
    assert not Delivery.objects.exclude(status=Delivery.Status.DONE).exists()


def _all_documents(stores):
    return list(stores["documents"].scan("products"))


def test_a_worker_killed_mid_stream_loses_no_event_and_applies_none_twice(start_worker, clean_stores):
    category = CategoryFactory(name="Lamps")
    worker = start_worker(**QUICK_SYNC)
    products = [ProductFactory(category=category, name=f"Lamp {n}") for n in range(1000)]
    total = Delivery.objects.count()
    assert total == 1000 * projections_per_product()

    eventually(lambda: Delivery.objects.filter(status="done").count() >= 300, timeout=120,
               message="the first worker to get going")
    worker.kill()
    done_at_kill = Delivery.objects.filter(status="done").count()
    assert done_at_kill < total, "the worker was killed in the middle of the stream"

    start_worker(beat=True, **QUICK_SYNC)
    eventually(lambda: undelivered() == 0, timeout=240, interval=0.5, message="every delivery done after the restart")

    assert_converged(clean_stores, products)
    # Each delivery was marked done exactly once (the unique constraint holds one row
    # per event and projection), and nothing took effect over a newer state.
    assert Delivery.objects.filter(outcome="applied").count() + Delivery.objects.filter(outcome="skipped").count() == total


@pytest.fixture
def unreachable_broker():
    """This process's broker URL points at a port where nothing listens, until the test ends."""
    real_url = celery_app.conf.broker_url

    def switch_to(url):
        celery_app.conf.broker_url = url
        # Forget this app's pools; kombu keeps one per URL, so the real one comes back intact.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    switch_to(f"amqp://guest:guest@127.0.0.1:{closed_port()}//")
    yield
    switch_to(real_url)


def test_writes_succeed_while_the_broker_is_unreachable_and_are_delivered_once_it_is_back(
    start_worker, clean_stores, unreachable_broker
):
    category = CategoryFactory(name="Lamps")

    started = time.monotonic()
    products = [ProductFactory(category=category, name=f"Offline lamp {n}") for n in range(500)]
    elapsed = time.monotonic() - started

    assert Product.objects.count() == 500, "every write committed"
    assert Delivery.objects.filter(status="pending").count() == 500 * projections_per_product(), "the events wait in the outbox"
    assert elapsed < 60, f"writes did not wait on the broker ({elapsed:.1f}s for 500)"

    # The broker is back: a worker with its sweeper delivers everything that waited.
    start_worker(beat=True, **QUICK_SYNC)
    eventually(lambda: undelivered() == 0, timeout=180, interval=0.5, message="the waiting events delivered")
    assert_converged(clean_stores, products)


def test_a_failing_store_leads_to_dead_letters_and_a_redrive_converges(start_worker, clean_stores):
    category = CategoryFactory(name="Lamps")
    broken = start_worker(beat=True, COSMOS_ENDPOINT=f"https://127.0.0.1:{closed_port()}", **QUICK_SYNC)
    products = [ProductFactory(category=category, name=f"Lamp {n}") for n in range(20)]

    eventually(lambda: Delivery.objects.filter(projection="catalog.product.document", status="dead").count() == 20,
               timeout=90, message="every document delivery dead after its retries")
    assert Delivery.objects.filter(projection="catalog.product.search", status="done").count() == 20
    dead = Delivery.objects.filter(status="dead").first()
    assert dead.attempts == 3 and "Unavailable" in dead.last_error
    broken.stop()

    start_worker(**QUICK_SYNC)  # the store is repaired: this worker reaches cosmosdb-server
    call_command("projections", "redrive")
    eventually(lambda: undelivered() == 0, timeout=90, message="the redriven deliveries done")
    assert_converged(clean_stores, products)


def test_duplicated_and_reordered_messages_end_in_the_in_order_state(start_worker, clean_stores, monkeypatch):
    from apps.sync import outbox, tasks

    category = CategoryFactory(name="Lamps")
    monkeypatch.setattr(outbox, "dispatch", lambda *args: None)  # hold every message back
    products = [ProductFactory(category=category, name=f"Lamp {n}") for n in range(10)]
    for round_ in range(1, 5):
        for product in products:
            product.name = f"Lamp {product.pk} v{round_ + 1}"
            product.save()
    assert undelivered() == 50 * projections_per_product(), "every message was held back"
    sequences = list(Delivery.objects.values_list("event_id", flat=True).distinct())
    scrambled = sequences * 2
    random.Random(3).shuffle(scrambled)

    for sequence in scrambled:  # newest before oldest, each twice
        tasks.deliver_event.delay(sequence)
    start_worker(**QUICK_SYNC)

    eventually(lambda: undelivered() == 0, timeout=120, message="every message handled")
    assert_converged(clean_stores, products)
    outcomes = list(Delivery.objects.order_by("delivered_at").values_list("event_id", "outcome", "attempts"))
    assert Delivery.objects.filter(outcome="skipped").exists(), f"older events were skipped: {outcomes[:20]} {scrambled[:20]}"


@pytest.fixture
def late_document_store(tmp_path):
    """A second cosmosdb-server that is down until the test calls the fixture's start()."""
    import subprocess

    from django.conf import settings
    from django.test import override_settings

    from apps.stores import stores
    from tests.processes import ROOT

    port, servers = closed_port(), []
    endpoint = f"https://127.0.0.1:{port}"

    def start():
        log = open(tmp_path / "late-cosmosdb-server.log", "w")
        servers.append(subprocess.Popen(["node", "scripts/cosmosdb-server.js", "--port", str(port)], cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT))
        eventually(lambda: port_open("127.0.0.1", port), timeout=20, message="the late cosmosdb-server listening")
        late = {**settings.POLYGLOT_STORES["documents"]}
        late["OPTIONS"] = {**late["OPTIONS"], "endpoint": endpoint}
        with override_settings(POLYGLOT_STORES={**settings.POLYGLOT_STORES, "documents": late}):
            store = stores["documents"]
        store.ensure_container("products")
        return lambda: list(store.scan("products"))

    start.endpoint = endpoint
    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


def test_a_failed_delivery_is_retried_by_the_relay_itself_without_beat(start_worker, clean_stores, late_document_store):
    category = CategoryFactory(name="Lamps")
    patient = {**QUICK_SYNC, "SYNC_MAX_ATTEMPTS": 100, "SYNC_RETRY_MAX_SECONDS": 1}
    start_worker(COSMOS_ENDPOINT=late_document_store.endpoint, **patient)  # no beat: no sweeper at all
    products = [ProductFactory(category=category, name=f"Lamp {n}") for n in range(5)]

    def counts():
        return (Delivery.objects.filter(projection="catalog.product.document", status="failed").count(),
                Delivery.objects.filter(projection="catalog.product.search", status="done").count())

    eventually(lambda: counts() == (5, 5), timeout=60,
               message="every document delivery failed while the store is down, every search delivery done")

    documents_in_late_store = late_document_store()  # the store comes back
    eventually(lambda: undelivered() == 0, timeout=60, message="the failed deliveries retried without beat")

    assert sorted(d["id"] for d in documents_in_late_store()) == sorted(str(p.pk) for p in products)
    assert max(Delivery.objects.filter(projection="catalog.product.document").values_list("attempts", flat=True)) >= 2


def test_a_projection_whose_draining_worker_died_is_drained_once_its_hold_runs_out(start_worker, clean_stores):
    """A worker killed while draining leaves its hold in the cache: the next worker's task
    finds it held, and its queued later look drains once the hold has run out (no beat)."""
    from django.test import override_settings

    from apps.sync.relay_flags import claim_drain

    with override_settings(POLYGLOT_SYNC={"DRAIN_LEASE_SECONDS": QUICK_SYNC["SYNC_DRAIN_LEASE_SECONDS"]}):
        assert claim_drain("catalog.product.document") is not None  # a worker that then died, holding it
    category = CategoryFactory(name="Lamps")
    start_worker(**QUICK_SYNC)  # no beat: no sweeper to fall back on
    products = [ProductFactory(category=category, name=f"Lamp {n}") for n in range(5)]

    eventually(lambda: undelivered() == 0, timeout=60, message="the held projection drained after the hold ran out")
    assert_converged(clean_stores, products)
