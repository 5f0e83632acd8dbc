"""batched_delivery(): a bulk load's events wait in the outbox while the block runs, then
one relay task delivers them all, in batches (embedded: tasks run in-process)."""
import pytest

from apps.sync import tasks
from apps.sync.dispatch import batched_delivery
from apps.sync.models import Delivery
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)


def pending():
    return Delivery.objects.exclude(status=Delivery.Status.DONE).count()


def test_events_wait_for_the_end_of_the_block_then_are_delivered_together(clean_stores, monkeypatch):
    relay_tasks = []
    deliver = tasks.deliver_event.delay
    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args: relay_tasks.append(args) or deliver(*args))

    with batched_delivery():
        products = [ProductFactory() for _ in range(3)]
        waiting = pending()

    assert waiting == 3 * 3, "three products, three projections each"
    assert relay_tasks == [(None, None)], "one relay task for everything due"
    assert pending() == 0
    assert clean_stores["search"].count("products") == len(products)


def test_events_committed_before_an_error_are_delivered_all_the_same(clean_stores):
    with pytest.raises(RuntimeError), batched_delivery():
        ProductFactory()
        raise RuntimeError("the load broke off")

    assert pending() == 0
    assert clean_stores["search"].count("products") == 1


def test_outside_the_block_each_commit_is_dispatched_as_before(clean_stores):
    with batched_delivery():
        pass
    ProductFactory()

    assert pending() == 0
