"""record_creation: a record that must not exist yet is created in its home, then
announced; a taken id is refused (the store's Conflict), and a creation a projection
refuses leaves nothing behind in the home."""
import pytest
from django.core.exceptions import ValidationError

from apps.stores.documents import declare_container
from apps.stores.exceptions import NotFound
from apps.sync.changes import record_creation
from apps.sync.homes import DocumentHome
from apps.sync.models import OutboxEvent
from apps.sync.projectors import DocumentHomeProjector, Projector, registry

pytestmark = pytest.mark.django_db(transaction=True)


class VoteHome(DocumentHomeProjector):
    name = "test.vote.home"
    aggregatetype = "test.vote"
    container = "test-votes"
    home = DocumentHome("test-votes")


class PickyProjection(Projector):
    """Refuses any vote for "nobody", as a projection that could never hold it would."""

    name = "test.vote.picky"
    aggregatetype = "test.vote"
    home = DocumentHome("test-votes")

    def check(self, state):
        if state.payload.get("choice") == "nobody":
            raise ValidationError("No vote for nobody.")

    def apply(self, event):
        pass


@pytest.fixture
def votes(clean_stores):
    declare_container("test-votes", "/poll")
    clean_stores["documents"].delete_container("test-votes")
    clean_stores["documents"].ensure_container("test-votes")
    projectors = [registry.register(VoteHome()), registry.register(PickyProjection())]
    yield clean_stores["documents"]
    for projector in projectors:
        registry.unregister(projector.name)
    clean_stores["documents"].delete_container("test-votes")


def vote(choice, voter="ada"):
    return record_creation(aggregatetype="test.vote", aggregateid=f"p1-{voter}",
                           payload={"poll": "p1", "choice": choice}, home="test.vote.home")


def test_a_new_record_is_created_in_its_home_and_announced(votes):
    outcome = vote("tea")

    assert outcome.applied
    assert votes.get("test-votes", "p1-ada", "p1")["version"] == 1
    [event] = OutboxEvent.objects.filter(aggregatetype="test.vote")
    assert (event.version, event.payload["choice"]) == (1, "tea")


def test_a_taken_id_is_refused_and_announces_nothing(votes):
    vote("tea")

    outcome = vote("coffee")

    assert not outcome.applied and outcome.reason
    assert votes.get("test-votes", "p1-ada", "p1")["choice"] == "tea"
    assert OutboxEvent.objects.filter(aggregatetype="test.vote").count() == 1


def test_a_creation_a_projection_refuses_leaves_nothing_in_the_home(votes):
    with pytest.raises(ValidationError):
        vote("nobody")

    with pytest.raises(NotFound):
        votes.get("test-votes", "p1-ada", "p1")
    assert not OutboxEvent.objects.filter(aggregatetype="test.vote").exists()
    assert vote("tea").applied, "the id is free again"
