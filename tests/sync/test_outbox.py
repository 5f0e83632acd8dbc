"""The outbox: events only inside the change's transaction, Debezium's columns, dispatch after commit."""
import pytest
from django.db import connection, transaction

from apps.sync.models import OutboxEvent
from apps.sync.outbox import emit
from apps.sync.projectors import Projector, ProjectorRegistry
from apps.sync.relay import deliver

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


def test_dispatch_waits_for_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            emit(aggregatetype="t.thing", aggregateid="1", type="saved", payload={"a": 1}, version=1)
            assert callbacks == []

    assert len(callbacks) == 1


def test_a_broker_that_is_down_does_not_fail_the_write(monkeypatch, django_capture_on_commit_callbacks):
    from apps.sync import tasks

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.deliver_event, "delay", refuse)

    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            event = emit(aggregatetype="t.thing", aggregateid="1", type="saved", payload={}, version=1)

    assert OutboxEvent.objects.filter(sequence=event.sequence).exists()


class Recording(Projector):
    aggregatetype = "t.thing"

    def __init__(self, name, fail=False):
        self.name, self.fail, self.seen = name, fail, []

    def apply(self, event):
        if self.fail:
            raise ConnectionError("store down")
        self.seen.append(event.version)


def test_one_failing_projector_does_not_hold_back_the_others(monkeypatch):
    from apps.sync import relay

    registry = ProjectorRegistry()
    broken, healthy = registry.register(Recording("broken", fail=True)), registry.register(Recording("healthy"))
    monkeypatch.setattr(relay, "registry", registry)
    event = OutboxEvent(aggregatetype="t.thing", aggregateid="1", type="saved", payload={}, version=4)

    with pytest.raises(ConnectionError):
        deliver(event)

    assert healthy.seen == [4]
