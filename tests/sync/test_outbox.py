"""The outbox: events only inside the change's transaction, Debezium's columns,
deliveries written with the event, dispatch after commit."""
import pytest
from django.db import connection, transaction

from apps.sync.models import Delivery, OutboxEvent
from apps.sync.outbox import emit
from apps.sync.relay_flags import broker_gate
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        emit(aggregatetype="t.thing", aggregateid="1", type="saved", payload={}, version=1)

    assert not OutboxEvent.objects.exists()


def test_the_table_has_debeziums_outbox_columns():
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "outbox")}

    assert {"id", "aggregatetype", "aggregateid", "type", "payload", "sequence", "version"} <= columns


def test_each_registered_projection_gets_a_pending_delivery_with_the_event(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        product = ProductFactory()

    event = OutboxEvent.objects.get(aggregateid=str(product.pk))
    deliveries = sorted(event.deliveries.values_list("projection", "status"))
    assert deliveries == [
        ("catalog.product.cache", "pending"), ("catalog.product.document", "pending"), ("catalog.product.search", "pending"),
    ]


def test_dispatch_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            emit(aggregatetype="t.thing", aggregateid="1", type="saved", payload={"a": 1}, version=1)
            assert callbacks == []

    assert len(callbacks) == 1


def test_a_broker_that_is_down_fails_no_write_and_is_not_asked_again_at_once(
    monkeypatch, django_capture_on_commit_callbacks
):
    from apps.sync import tasks

    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.deliver_event, "delay", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        first = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        second = ProductFactory()

    assert len(calls) == 1, "the second write skipped the broker that had just failed"
    assert not broker_gate.is_open()
    pending = Delivery.objects.filter(status="pending", event__aggregateid__in=[str(first.pk), str(second.pk)])
    assert pending.count() == 6, "three projections each"


def test_dispatch_queues_one_relay_task_per_projection_and_later_events_ride_along(
    monkeypatch, django_capture_on_commit_callbacks
):
    from apps.sync import tasks

    queued = []
    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args: queued.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        first = ProductFactory()
    with django_capture_on_commit_callbacks(execute=True):
        ProductFactory()  # while the first three tasks wait in the queue

    sequence = Delivery.objects.filter(event__aggregateid=str(first.pk)).first().event_id
    assert sorted(queued) == [(sequence, "catalog.product.cache"), (sequence, "catalog.product.document"),
                              (sequence, "catalog.product.search")]

    tasks.relay_task_started(["catalog.product.search"])  # the search task starts draining
    with django_capture_on_commit_callbacks(execute=True):
        third = ProductFactory()

    third_sequence = Delivery.objects.filter(event__aggregateid=str(third.pk)).first().event_id
    assert queued[3:] == [(third_sequence, "catalog.product.search")], "the document task still waits: it takes this one too"
