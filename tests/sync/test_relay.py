"""The relay: per-projection delivery, versions that make duplicates and reordering
harmless, retries with backoff, dead letters, the sweeper and redrive."""
import base64
import random
import socket

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from apps.stores.exceptions import NotFound
from apps.sync import maintenance, redrive, relay
from apps.sync.models import Delivery, OutboxEvent, ProjectionCursor
from apps.sync.relay_flags import resume_projections
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

FAST_RETRIES = {"MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 0, "RETRY_MAX_SECONDS": 0, "SWEEP_GRACE_SECONDS": 0}


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_documents_store():
    """The real Cosmos backend pointed at a port nobody listens on: every call fails."""
    stores = dict(settings.POLYGLOT_STORES)
    stores["documents"] = {
        "BACKEND": "apps.stores.documents.cosmos.CosmosDocumentStore",
        "OPTIONS": {
            "endpoint": f"https://127.0.0.1:{closed_port()}",
            "key": base64.b64encode(b"k" * 32).decode(),
            "database": "unreachable",
            "verify_tls": False,
        },
    }
    return override_settings(POLYGLOT_STORES=stores)


@pytest.fixture
def lost_messages(monkeypatch):
    """Commits go through but every dispatched message is lost on its way to a worker."""
    from apps.sync import tasks

    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args, **kwargs: None)


def document_of(stores, product):
    return stores["documents"].get("products", str(product.pk), partition_key=product.category.slug)


def test_a_dispatched_event_is_applied_once_per_projection(clean_stores):
    product = ProductFactory(name="Brass lamp")

    deliveries = Delivery.objects.filter(event__aggregateid=str(product.pk))
    assert {(d.projection, d.status, d.outcome, d.attempts) for d in deliveries} == {
        ("catalog.product.cache", "done", "applied", 1),
        ("catalog.product.document", "done", "applied", 1),
        ("catalog.product.search", "done", "applied", 1),
    }
    assert set(ProjectionCursor.objects.values_list("projection", "version")) == {
        ("catalog.product.document", 1),
        ("catalog.product.search", 1),
    }, "the cache projection keeps no cursor: any order leaves the same cache"


def test_a_repeated_delivery_changes_nothing(clean_stores):
    product = ProductFactory(name="Brass lamp")
    delivery = Delivery.objects.get(event__aggregateid=str(product.pk), projection="catalog.product.document")
    before = document_of(clean_stores, product)

    Delivery.objects.filter(pk=delivery.pk).update(status="pending")
    relay.deliver(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.outcome) == ("done", "skipped")
    assert document_of(clean_stores, product)["_etag"] == before["_etag"]


def test_duplicated_and_reordered_deliveries_end_in_the_in_order_state(clean_stores, lost_messages):
    products = [ProductFactory(name=f"Lamp {n}") for n in range(5)]
    for round_ in range(1, 4):
        for product in products:
            product.name = f"Lamp {product.pk} round {round_}"
            product.save()
    ids = list(Delivery.objects.values_list("pk", flat=True))
    shuffled = ids + random.Random(7).sample(ids, len(ids))  # every delivery, then all again, scrambled
    random.Random(11).shuffle(shuffled)

    for pk in shuffled:
        Delivery.objects.filter(pk=pk).update(status="pending")
        relay.deliver(pk)

    for product in products:
        document = document_of(clean_stores, product)
        assert document["name"] == f"Lamp {product.pk} round 3"
        assert document["version"] == product.version == 4
        assert clean_stores["search"].search("products", f"round {product.pk}").total >= 1
    assert not Delivery.objects.exclude(status="done").exists()


def test_the_sweeper_delivers_events_whose_dispatch_was_lost(clean_stores, lost_messages):
    product = ProductFactory(name="Forgotten lamp")
    with pytest.raises(NotFound):
        document_of(clean_stores, product)

    with override_settings(POLYGLOT_SYNC=FAST_RETRIES):
        swept = relay.sweep()

    assert swept == 3, "the document, the search entry and the cache"
    assert document_of(clean_stores, product)["name"] == "Forgotten lamp"
    assert clean_stores["search"].search("products", "forgotten").ids == [str(product.pk)]


def test_the_sweeper_leaves_fresh_pending_deliveries_to_the_dispatch(clean_stores, lost_messages):
    ProductFactory()

    with override_settings(POLYGLOT_SYNC={**FAST_RETRIES, "SWEEP_GRACE_SECONDS": 60}):
        assert relay.sweep() == 0


def test_a_failing_store_is_retried_with_backoff_then_dead(clean_stores, lost_messages):
    product = ProductFactory(name="Unlucky lamp")
    document_delivery = Delivery.objects.get(projection="catalog.product.document")

    with unreachable_documents_store(), override_settings(
        POLYGLOT_SYNC={**FAST_RETRIES, "RETRY_BASE_SECONDS": 30, "RETRY_MAX_SECONDS": 60}
    ):
        relay.sweep()
        document_delivery.refresh_from_db()
        assert (document_delivery.status, document_delivery.attempts) == ("failed", 1)
        assert "Unavailable" in document_delivery.last_error
        assert document_delivery.next_attempt_at > document_delivery.created_at
        assert relay.sweep() == 0, "not due again before its backoff has passed"

    # Time passes: the backoff and the projection's pause are over.
    Delivery.objects.filter(pk=document_delivery.pk).update(next_attempt_at=timezone.now())
    resume_projections(["catalog.product.document"])
    with unreachable_documents_store(), override_settings(POLYGLOT_SYNC=FAST_RETRIES):
        relay.sweep()
        relay.sweep()

    document_delivery.refresh_from_db()
    assert (document_delivery.status, document_delivery.attempts) == ("dead", 3)
    search_delivery = Delivery.objects.get(projection="catalog.product.search")
    assert search_delivery.status == "done", "the healthy projection was not held back"
    assert clean_stores["search"].search("products", "unlucky").ids == [str(product.pk)]


SLOW_RETRIES = {**FAST_RETRIES, "RETRY_BASE_SECONDS": 30, "RETRY_MAX_SECONDS": 60}


def test_a_store_found_down_pauses_only_its_own_projection(clean_stores, lost_messages):
    first = ProductFactory(name="First lamp")
    with unreachable_documents_store(), override_settings(POLYGLOT_SYNC=SLOW_RETRIES):
        relay.drain()
        second = ProductFactory(name="Second lamp")
        handled, more = relay.drain()

    documents = {d.event.aggregateid: d for d in Delivery.objects.filter(projection="catalog.product.document")}
    tried, waiting = documents[str(first.pk)], documents[str(second.pk)]
    assert (tried.status, tried.attempts) == ("failed", 1)
    assert (waiting.status, waiting.attempts) == ("failed", 0), "the store just found down was not asked again"
    assert waiting.next_attempt_at == tried.next_attempt_at, "it waits for the same retry"
    assert (handled, more) == (3, False), "the search entry, the cache and the waiting document"
    assert set(Delivery.objects.filter(projection="catalog.product.search").values_list("status", flat=True)) == {"done"}
    assert set(clean_stores["search"].search("products", "lamp").ids) == {str(first.pk), str(second.pk)}


def test_the_relay_retries_a_failed_delivery_once_its_backoff_is_over(clean_stores, lost_messages):
    product = ProductFactory(name="Retried lamp")
    with unreachable_documents_store(), override_settings(POLYGLOT_SYNC=SLOW_RETRIES):
        relay.drain()
    delivery = Delivery.objects.get(projection="catalog.product.document")
    assert delivery.status == "failed"
    assert relay.drain() == (0, False), "nothing is due before the backoff is over"

    # Time passes: the backoff and the projection's pause are over.
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    resume_projections(["catalog.product.document"])
    assert relay.next_retry_at() <= timezone.now()
    relay.drain()  # what the scheduled retry task runs: no sweeper, no grace period

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("done", 2, "")
    assert document_of(clean_stores, product)["name"] == "Retried lamp"
    assert relay.next_retry_at() is None


def test_where_tasks_run_in_process_a_timer_retries_a_failed_delivery(clean_stores):
    from tests.processes import eventually

    with override_settings(POLYGLOT_SYNC={**FAST_RETRIES, "RETRY_BASE_SECONDS": 0.3, "RETRY_MAX_SECONDS": 0.3,
                                          "IN_PROCESS_RETRIES": True}):
        with unreachable_documents_store():
            product = ProductFactory(name="Embedded lamp")
        delivery = Delivery.objects.get(projection="catalog.product.document")
        assert delivery.status == "failed", "the store was down when the event was dispatched"

        eventually(lambda: Delivery.objects.get(pk=delivery.pk).status == "done", timeout=10,
                   message="the timer's retry delivered it, with no sweep and no new write")

    assert document_of(clean_stores, product)["name"] == "Embedded lamp"


def test_a_redrive_after_the_store_is_repaired_converges(clean_stores, lost_messages):
    product = ProductFactory(name="Patient lamp")
    with unreachable_documents_store(), override_settings(POLYGLOT_SYNC=FAST_RETRIES):
        for _ in range(3):
            relay.sweep()
    assert Delivery.objects.get(projection="catalog.product.document").status == "dead"

    redriven = redrive.redrive(Delivery.objects.all())
    with override_settings(POLYGLOT_SYNC=FAST_RETRIES):
        relay.sweep()  # the redrive's own dispatch was lost too (lost_messages); the sweeper has it

    assert redriven == 1
    delivery = Delivery.objects.get(projection="catalog.product.document")
    assert (delivery.status, delivery.outcome) == ("done", "applied")
    assert document_of(clean_stores, product)["name"] == "Patient lamp"


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling():
    with override_settings(POLYGLOT_SYNC={"RETRY_BASE_SECONDS": 2, "RETRY_MAX_SECONDS": 60}):
        delays = [[relay.retry_delay(n) for _ in range(50)] for n in (1, 2, 3, 10)]

    assert all(1 <= d <= 2 for d in delays[0])
    assert all(2 <= d <= 4 for d in delays[1])
    assert all(4 <= d <= 8 for d in delays[2])
    assert all(30 <= d <= 60 for d in delays[3])
    assert len(set(delays[2])) > 1, "jitter spreads retries out"


def test_events_keep_their_order_and_versions(clean_stores):
    product = ProductFactory()
    product.save()
    product.delete()

    events = list(OutboxEvent.objects.values_list("type", "version"))
    assert events == [("saved", 1), ("saved", 2), ("deleted", 3)]
    assert ProjectionCursor.objects.get(projection="catalog.product.document").version == 3


def test_a_projection_held_by_another_workers_drain_is_left_to_that_worker(clean_stores, lost_messages):
    from apps.sync import tasks
    from apps.sync.relay_flags import claim_drain, release_drain

    product = ProductFactory()
    token = claim_drain("catalog.product.search")  # another worker drains the search projection
    try:
        tasks.drain_projection("catalog.product.search")
        tasks.drain_projection("catalog.product.document")
    finally:
        release_drain("catalog.product.search", token)

    statuses = dict(Delivery.objects.filter(event__aggregateid=str(product.pk)).values_list("projection", "status"))
    assert statuses == {"catalog.product.search": "pending", "catalog.product.document": "done",
                        "catalog.product.cache": "pending"}


def test_an_event_whose_task_found_the_projection_busy_is_delivered_by_the_drain_that_held_it(
    clean_stores, monkeypatch
):
    """The holder looks again after letting go: nothing committed meanwhile is left for the sweeper."""
    from apps.sync import tasks

    real_drain, late = relay.drain, []

    def drain_while_another_product_is_saved(**options):
        outcome = real_drain(**options)
        if not late and options.get("projection") == "catalog.product.search":
            late.append(ProductFactory(name="Committed mid-drain"))  # its own task finds the lease held
        return outcome

    monkeypatch.setattr(relay, "drain", drain_while_another_product_is_saved)
    first = ProductFactory()

    assert late, "the second product was saved during the first drain"
    for product in (first, late[0]):
        statuses = set(Delivery.objects.filter(event__aggregateid=str(product.pk)).values_list("status", flat=True))
        assert statuses == {"done"}
