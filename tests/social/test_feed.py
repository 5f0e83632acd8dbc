"""The feed: posts of the people one follows, newest first, cursor-paged, first page cached
and dropped by events."""
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from apps.social import feed, posting, services
from tests.social.conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def readers(django_user_model, clean_stores):
    cache.clear()
    users = {name: django_user_model.objects.create_user(name, password="pw") for name in ("ann", "ben", "cat", "dan")}
    services.follow(users["ann"], users["ben"].pk)
    services.follow(users["ann"], users["cat"].pk)
    settle()
    return users


def texts(page):
    return [post.text for post in page.posts]


def test_the_feed_holds_the_followed_peoples_posts_newest_first_paged_by_cursor(readers, monkeypatch):
    monkeypatch.setattr(feed, "PAGE_SIZE", 2)
    ben, cat, dan = readers["ben"], readers["cat"], readers["dan"]
    for n, author in enumerate((ben, cat, dan, ben, cat)):
        posting.create_post(author, f"post {n} by {author.username}")

    first = feed.page(readers["ann"].pk)
    second = feed.page(readers["ann"].pk, first.next_cursor)

    assert texts(first) == ["post 4 by cat", "post 3 by ben"]
    assert (texts(second), second.next_cursor) == (["post 1 by cat", "post 0 by ben"], None)


def test_the_first_page_is_cached_and_a_new_post_drops_it(readers):
    ann, ben = readers["ann"], readers["ben"]
    posting.create_post(ben, "one")
    settle()
    assert texts(feed.page(ann.pk)) == ["one"]
    assert cache.get(feed.cache_key(ann.pk))["posts"][0]["text"] == "one"

    posting.create_post(ben, "two")
    settle()

    assert cache.get(feed.cache_key(ann.pk)) is None, "the post's event dropped the follower's page"
    assert texts(feed.page(ann.pk)) == ["two", "one"]


def test_hidden_deleted_and_unfollowed_posts_leave_the_feed(readers, django_user_model):
    ann, ben, cat = readers["ann"], readers["ben"], readers["cat"]
    staff = django_user_model.objects.create_user("mod", password="pw", is_staff=True)
    kept, hidden, gone = (posting.create_post(ben, text) for text in ("kept", "hidden", "gone"))
    from_cat = posting.create_post(cat, "from cat")
    settle()
    assert texts(feed.page(ann.pk)) == ["from cat", "gone", "hidden", "kept"]

    posting.hide_post(staff, hidden.id)
    posting.delete_post(ben, gone.id)
    services.unfollow(ann, cat.pk)
    settle()

    assert texts(feed.page(ann.pk)) == ["kept"]
    assert from_cat.id and kept.id


def test_a_bad_cursor_is_refused(readers):
    for cursor in ("../etc", "x" * 65, ""):
        with pytest.raises(ValidationError):
            feed.page(readers["ann"].pk, cursor)


def test_the_feed_api_pages_with_next_cursor_and_refuses_a_bad_one(client, readers):
    posting.create_post(readers["ben"], "hello ann")
    settle()
    client.force_login(readers["ann"])

    answer = client.get("/api/social/feed/")
    bad = client.get("/api/social/feed/", {"cursor": "not/a cursor"})
    anonymous = client.logout() or client.get("/api/social/feed/")

    assert answer.status_code == 200
    assert ([p["text"] for p in answer.json()["results"]], answer.json()["next_cursor"]) == (["hello ann"], None)
    assert bad.status_code == 400
    assert anonymous.status_code == 401
