"""The social records' homes repair what depends on them: a change acknowledged but never
applied reaches its home through the relay, and projections are reconciled and rebuilt."""
import pytest

from apps.social import posting, search, services
from apps.social.projections import PeopleSearchProjector, PostSearchProjector
from apps.stores import stores
from apps.sync import maintenance
from tests.social.conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def couple(django_user_model, clean_stores):
    return (django_user_model.objects.create_user("ada", password="pw", display_name="Ada Byron"),
            django_user_model.objects.create_user("bob", password="pw"))


def test_a_follow_and_a_post_whose_home_write_was_lost_are_applied_by_the_relay(couple, monkeypatch):
    from apps.sync import changes, outbox

    ada, bob = couple
    # The process dies after committing each event, before its home is written.
    monkeypatch.setattr(changes, "_apply_to_home", lambda *args: None)
    monkeypatch.setattr(outbox, "dispatch", lambda sequence: None)
    services.follow(ada, bob.pk)
    post = posting.create_post(bob, "acknowledged")
    monkeypatch.undo()
    assert not services.is_following(ada.pk, bob.pk) and stores["documents"].count("posts") == 0

    settle()

    assert services.is_following(ada.pk, bob.pk)
    assert stores["documents"].get("posts", post.id, str(bob.pk))["text"] == "acknowledged"


def test_search_drift_is_found_and_repaired_from_the_homes(couple):
    ada, bob = couple
    post = posting.create_post(bob, "lighthouse keeping")
    settle()
    stores["search"].delete_documents("posts", [post.id])
    stores["search"].index_documents("people", [{"id": str(ada.pk), "username": "ada", "display_name": "Someone Else",
                                                 "bio": "", "is_active": True, "version": 1}])

    posts_drift = maintenance.reconcile(PostSearchProjector(), repair=True)
    people_drift = maintenance.reconcile(PeopleSearchProjector(), repair=True)

    assert posts_drift.missing == [post.id]
    assert str(ada.pk) in people_drift.differs
    assert [p.id for p in search.search_posts("lighthouse")] == [post.id]
    assert [u.username for u in search.search_people("byron")] == ["ada"]


def test_the_people_index_is_rebuilt_from_sql(couple):
    stores["search"].clear("people")

    written = maintenance.rebuild(PeopleSearchProjector())

    assert written == 2
    assert [u.username for u in search.search_people("ada")] == ["ada"]


def test_a_users_vertex_follows_the_user_and_goes_with_their_follows_when_they_are_deleted(couple):
    from apps.social.projections import UserVertexProjector

    ada, bob = couple
    services.follow(ada, bob.pk)
    settle()
    assert stores["graph"].get_vertex(f"user:{bob.pk}").properties["username"] == "bob"
    assert maintenance.reconcile(UserVertexProjector()).clean

    bob.delete()
    settle()

    assert not services.is_following(ada.pk, bob.pk)
    assert services.following(ada.pk).users == []
    assert list(stores["graph"].scan_edges("follows")) == []
