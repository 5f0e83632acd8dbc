"""The social pages: plain HTML forms over the same services as the API."""
import pytest
from django.urls import reverse

from apps.social import posting, services
from apps.social.models import Post
from apps.stores import stores
from tests.social.conftest import settle
from tests.social.images import fake_image_upload, png_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(django_user_model, clean_stores):
    return (django_user_model.objects.create_user("ada", password="pw", display_name="Ada"),
            django_user_model.objects.create_user("bob", password="pw", display_name="Bob"))


def test_a_profile_page_follows_and_lists_followers(client, pair):
    ada, bob = pair
    client.force_login(ada)

    before = client.get(reverse("social:profile", kwargs={"user_id": bob.pk})).content.decode()
    followed = client.post(reverse("social:follow", kwargs={"user_id": bob.pk}))
    settle()
    after = client.get(reverse("social:profile", kwargs={"user_id": bob.pk})).content.decode()

    assert ">Follow</button>" in before
    assert followed.status_code == 302 and services.is_following(ada.pk, bob.pk)
    assert ">Unfollow</button>" in after and "1 follower " in after and ">Ada</a>" in after
    assert client.get(reverse("social:profile", kwargs={"user_id": 424242})).status_code == 404


def test_following_oneself_from_the_page_says_why_and_changes_nothing(client, pair):
    ada, _ = pair
    client.force_login(ada)

    answer = client.post(reverse("social:follow", kwargs={"user_id": ada.pk}), follow=True)

    assert "cannot follow yourself" in answer.content.decode()
    assert services.following(ada.pk).users == []


def test_follow_post_see_it_in_the_feed_then_like_and_comment_it(client, pair):
    ada, bob = pair
    services.follow(ada, bob.pk)
    client.force_login(bob)
    posted = client.post(reverse("social:feed"), {"text": "Hello from Bob", "image": png_upload()})
    post = Post.objects.filter(author=str(bob.pk))[0]
    settle()

    client.force_login(ada)
    feed = client.get(reverse("social:feed")).content.decode()
    liked = client.post(reverse("social:like", kwargs={"post_id": post.id}))
    commented = client.post(reverse("social:comment", kwargs={"post_id": post.id}), {"text": "Hi Bob"})
    page = client.get(reverse("social:post", kwargs={"post_id": post.id})).content.decode()

    assert posted.status_code == 302 and post.image
    assert "Hello from Bob" in feed
    assert liked.status_code == 302 and services.likes_post(ada.pk, post.id)
    assert commented.status_code == 302 and "Hi Bob" in page and "1 like" in page and ">Unlike</button>" in page


def test_the_feed_form_refuses_bad_posts_with_a_400_and_stores_nothing(client, pair):
    client.force_login(pair[0])

    answers = [
        client.post(reverse("social:feed"), {"text": ""}),
        client.post(reverse("social:feed"), {"text": "x" * 100_000}),
        client.post(reverse("social:feed"), {"text": "fine", "image": fake_image_upload()}),
        client.get(reverse("social:feed"), {"cursor": "../../etc"}),
    ]

    assert [a.status_code for a in answers] == [400] * 4
    assert stores["documents"].count("posts") == 0


def test_staff_hide_a_post_from_its_page_and_others_get_a_404(client, pair, django_user_model):
    ada, bob = pair
    post = posting.create_post(bob, "questionable")
    client.force_login(django_user_model.objects.create_user("mod", password="pw", is_staff=True))
    client.post(reverse("social:hide-post", kwargs={"post_id": post.id}))
    client.force_login(ada)

    assert client.get(reverse("social:post", kwargs={"post_id": post.id})).status_code == 404
    assert client.post(reverse("social:delete-post", kwargs={"post_id": post.id})).status_code == 404
    client.force_login(bob)
    assert "hidden by staff" in client.get(reverse("social:post", kwargs={"post_id": post.id})).content.decode()


def test_only_the_author_deletes_from_the_page(client, pair):
    ada, bob = pair
    post = posting.create_post(bob, "mine")
    client.force_login(ada)

    refused = client.post(reverse("social:delete-post", kwargs={"post_id": post.id}))

    assert refused.status_code == 403 and Post.objects.get(post.id)


def test_the_search_page_finds_people_and_posts(client, pair):
    posting.create_post(pair[1], "Knitting patterns for engines")
    settle()

    page = client.get(reverse("social:search"), {"q": "engines"}).content.decode()
    people = client.get(reverse("social:search"), {"q": "bob"}).content.decode()

    assert "Knitting patterns" in page
    assert "@bob" in people


def test_a_product_page_shows_its_likes_and_a_like_button(client, pair):
    from tests.factories import ProductFactory

    lamp, draft = ProductFactory(name="Lamp"), ProductFactory(name="Secret", status="draft")
    client.force_login(pair[0])

    liked = client.post(reverse("social:like-product", kwargs={"product_id": lamp.pk}))
    settle()
    page = client.get(lamp.get_absolute_url()).content.decode()

    assert liked.status_code == 302 and services.likes_product(pair[0].pk, lamp.pk)
    assert "1 like" in page and ">Unlike</button>" in page
    assert client.post(reverse("social:like-product", kwargs={"product_id": draft.pk})).status_code == 404


def test_a_product_page_renders_without_its_likes_when_the_graph_is_down(client, pair, monkeypatch):
    from django.core.cache import cache

    from apps.stores.exceptions import Unavailable
    from tests.factories import ProductFactory

    lamp = ProductFactory(name="Lamp")
    cache.clear()  # no like count cached from an earlier test
    monkeypatch.setattr(stores["graph"], "degree", lambda *a, **k: (_ for _ in ()).throw(Unavailable("down")))

    page = client.get(lamp.get_absolute_url())

    assert page.status_code == 200 and "Lamp" in page.content.decode() and "product-likes" not in page.content.decode()


def test_the_author_edits_a_post_from_its_page_and_a_bad_text_is_refused(client, pair):
    ada, bob = pair
    post = posting.create_post(bob, "first draft")
    url = reverse("social:edit-post", kwargs={"post_id": post.id})
    client.force_login(bob)

    edited = client.post(url, {"text": "second draft"})
    refused = client.post(url, {"text": "   "})
    client.force_login(ada)
    stranger = client.post(url, {"text": "defaced"})

    assert edited.status_code == 302 and refused.status_code == 400 and stranger.status_code == 403
    assert Post.objects.get(post.id).text == "second draft"
