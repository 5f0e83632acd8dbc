"""Search for people (users projected from SQL) and posts (projected from their documents)."""
import pytest

from apps.social import posting, search
from apps.social.projections import PeopleSearchProjector, PostSearchProjector
from apps.sync import maintenance
from tests.social.conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def members(django_user_model, clean_stores):
    ada = django_user_model.objects.create_user("ada", password="pw", display_name="Ada Lovelace",
                                                email="ada@example.com", bio="Writes about engines")
    grace = django_user_model.objects.create_user("grace", password="pw", display_name="Grace Hopper")
    settle()
    return {"ada": ada, "grace": grace}


def test_people_are_found_by_name_and_a_deactivated_user_is_not(members):
    grace = members["grace"]

    assert [u.username for u in search.search_people("lovelace")] == ["ada"]
    assert [u.username for u in search.search_people("hopper")] == ["grace"]
    assert search.search_people("ada@example.com") == [], "emails are never indexed"

    grace.is_active = False
    grace.save()
    settle()

    assert search.search_people("hopper") == []


def test_posts_are_found_by_their_words_until_hidden_or_deleted(members, django_user_model):
    staff = django_user_model.objects.create_user("mod", password="pw", is_staff=True)
    engines = posting.create_post(members["ada"], "The analytical engine weaves patterns")
    bugs = posting.create_post(members["grace"], "Found a moth in the relay")
    settle()

    assert [p.id for p in search.search_posts("engine")] == [engines.id]
    assert [p.id for p in search.search_posts("moth")] == [bugs.id]

    posting.hide_post(staff, engines.id)
    posting.delete_post(members["grace"], bugs.id)
    settle()

    assert search.search_posts("engine") == [] and search.search_posts("moth") == []


def test_both_indexes_reconcile_with_their_homes(members):
    posting.create_post(members["ada"], "kept words")
    settle()

    for projector in (PeopleSearchProjector(), PostSearchProjector()):
        assert maintenance.reconcile(projector).clean


def test_the_search_api_answers_people_and_posts_and_refuses_long_queries(client, members):
    posting.create_post(members["grace"], "Compilers for everyone")
    settle()

    people = client.get("/api/social/search/people/", {"q": "ada"})
    posts = client.get("/api/social/search/posts/", {"q": "compilers"})
    too_long = client.get("/api/social/search/people/", {"q": "x" * 201})

    assert [p["username"] for p in people.json()] == ["ada"]
    assert [p["text"] for p in posts.json()] == ["Compilers for everyone"]
    assert too_long.status_code == 400
