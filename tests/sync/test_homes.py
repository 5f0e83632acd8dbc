"""Records whose home is the document store: the event is committed first, then applied
to the home; a crash in between is repaired by the relay."""
import pytest
from django.db import transaction
from django.test import override_settings

from apps.stores.documents import declare_container
from apps.stores.exceptions import NotFound
from apps.sync import relay
from apps.sync.changes import next_version, record_change
from apps.sync.homes import DocumentHome
from apps.sync.projectors import DocumentHomeProjector
from apps.sync.models import Delivery
from apps.sync.outbox import emit
from apps.sync.projectors import registry

pytestmark = pytest.mark.django_db(transaction=True)


class NoteHome(DocumentHomeProjector):
    name = "test.note.home"
    aggregatetype = "test.note"
    container = "test-notes"
    home = DocumentHome("test-notes")


@pytest.fixture
def note_home(clean_stores):
    declare_container("test-notes", "/author")
    clean_stores["documents"].delete_container("test-notes")
    projector = registry.register(NoteHome())
    yield clean_stores["documents"]
    registry.unregister(projector.name)
    clean_stores["documents"].delete_container("test-notes")


def test_a_change_is_committed_then_applied_to_its_home(note_home):
    event = record_change(
        aggregatetype="test.note", aggregateid="n1", type="saved",
        payload={"author": "ada", "text": "first"}, home="test.note.home",
    )

    stored = note_home.get("test-notes", "n1", "ada")
    assert (stored["text"], stored["version"], event.version) == ("first", 1, 1)
    assert Delivery.objects.get(event=event).status == "done"


def test_versions_order_the_changes_of_one_record(note_home):
    for text in ("one", "two", "three"):
        record_change(aggregatetype="test.note", aggregateid="n1", type="saved",
                      payload={"author": "ada", "text": text}, home="test.note.home")

    stored = note_home.get("test-notes", "n1", "ada")
    assert (stored["text"], stored["version"]) == ("three", 3)


def test_a_crash_between_commit_and_home_write_is_repaired_by_the_relay(note_home, monkeypatch):
    from apps.sync import tasks

    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *a, **k: None)
    # The process "dies" right after the commit: the home write never happens.
    with transaction.atomic():
        version = next_version("test.note", "n2")
        emit(aggregatetype="test.note", aggregateid="n2", type="saved",
             payload={"author": "bob", "text": "survives"}, version=version)
    with pytest.raises(NotFound):
        note_home.get("test-notes", "n2", "bob")

    with override_settings(POLYGLOT_SYNC={"SWEEP_GRACE_SECONDS": 0}):
        relay.sweep()

    assert note_home.get("test-notes", "n2", "bob")["text"] == "survives"


def test_a_late_older_event_does_not_undo_a_delete(note_home):
    record_change(aggregatetype="test.note", aggregateid="n3", type="saved",
                  payload={"author": "cy", "text": "v1"}, home="test.note.home")
    first = Delivery.objects.get(event__aggregateid="n3")
    record_change(aggregatetype="test.note", aggregateid="n3", type="deleted",
                  payload={"author": "cy"}, home="test.note.home")

    Delivery.objects.filter(pk=first.pk).update(status="pending")
    relay.deliver(first.pk)

    with pytest.raises(NotFound):
        note_home.get("test-notes", "n3", "cy")


def test_an_unknown_home_is_refused_before_anything_is_written(note_home):
    with pytest.raises(ValueError, match="No projection 'nowhere'"):
        record_change(aggregatetype="test.note", aggregateid="n4", type="saved",
                      payload={"author": "d"}, home="nowhere")

    assert not Delivery.objects.exists()
