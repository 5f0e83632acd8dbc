"""Follows and likes: edges whose home is the graph, through services and the API."""
import pytest
from django.core.exceptions import ValidationError

from apps.social import counts, services
from apps.social.projections import FollowsHome, LikesHome
from apps.sync import maintenance
from apps.sync.models import OutboxEvent
from tests.factories import ProductFactory
from tests.social.conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(django_user_model, clean_stores):
    return {name: django_user_model.objects.create_user(name, password="pw") for name in ("ada", "bob", "cy", "dee")}


def follow_events():
    return list(OutboxEvent.objects.filter(aggregatetype="social.follow").values_list("type", flat=True))


def test_following_links_two_users_once_however_often_it_is_asked(people):
    ada, bob = people["ada"], people["bob"]

    first, again = services.follow(ada, bob.pk), services.follow(ada, bob.pk)

    assert (first, again) == (True, False)
    assert follow_events() == ["saved"], "a repeated follow records nothing"
    assert services.is_following(ada.pk, bob.pk) and not services.is_following(bob.pk, ada.pk)
    assert [u.username for u in services.followers(bob.pk).users] == ["ada"]
    assert [u.username for u in services.following(ada.pk).users] == ["bob"]
    assert (counts.followers(bob.pk), counts.following(ada.pk)) == (1, 1)


def test_unfollowing_removes_the_edge_and_refreshes_the_cached_counts(people):
    ada, bob = people["ada"], people["bob"]
    services.follow(ada, bob.pk)
    assert counts.followers(bob.pk) == 1  # now cached

    assert services.unfollow(ada, bob.pk) is True
    assert services.unfollow(ada, bob.pk) is False

    settle()
    assert not services.is_following(ada.pk, bob.pk)
    assert counts.followers(bob.pk) == 0, "the event dropped the cached count"
    assert follow_events() == ["saved", "deleted"]


def test_following_oneself_an_unknown_or_a_deactivated_user_is_refused_and_writes_nothing(people):
    ada, bob = people["ada"], people["bob"]
    bob.is_active = False
    bob.save()

    for target, code in ((ada.pk, "self_follow"), (99999, "unknown_user"), ("x'); drop", "unknown_user"),
                         (bob.pk, "unknown_user")):
        with pytest.raises(ValidationError) as refused:
            services.follow(ada, target)
        assert refused.value.code == code

    assert follow_events() == []
    assert services.following(ada.pk).users == []


def test_followers_are_paged_and_mutual_follows_are_the_ones_who_follow_back(people):
    ada = people["ada"]
    for name in ("bob", "cy", "dee"):
        services.follow(people[name], ada.pk)
    services.follow(ada, people["bob"].pk)
    services.follow(ada, people["cy"].pk)

    first = services.followers(ada.pk, page=1, per_page=2)
    second = services.followers(ada.pk, page=2, per_page=2)

    assert (len(first.users), first.has_next, first.total) == (2, True, 3)
    assert (len(second.users), second.has_next) == (1, False)
    assert {u.username for u in first.users + second.users} == {"bob", "cy", "dee"}
    assert [u.username for u in services.mutual_follows(ada.pk).users] == ["bob", "cy"]


def test_people_you_may_know_are_two_hops_away_ranked_by_paths(people):
    ada, bob, cy, dee = (people[n] for n in ("ada", "bob", "cy", "dee"))
    services.follow(ada, bob.pk)
    services.follow(ada, cy.pk)
    services.follow(bob, dee.pk)
    services.follow(cy, dee.pk)
    services.follow(bob, cy.pk)  # already followed by ada: never suggested
    services.follow(bob, ada.pk)  # ada herself: never suggested

    assert [u.username for u in services.people_you_may_know(ada.pk)] == ["dee"]


def test_liking_a_product_is_idempotent_and_a_draft_cannot_be_liked(people):
    ada = people["ada"]
    lamp, draft = ProductFactory(name="Lamp"), ProductFactory(name="Secret", status="draft")

    assert services.like_product(ada, lamp.pk) and not services.like_product(ada, lamp.pk)
    with pytest.raises(ValidationError):
        services.like_product(ada, draft.pk)
    with pytest.raises(ValidationError):
        services.like_product(ada, "not-a-number")

    assert counts.product_likes(lamp.pk) == 1 and services.likes_product(ada.pk, lamp.pk)
    assert OutboxEvent.objects.filter(aggregatetype="social.like").count() == 1
    assert services.unlike_product(ada, lamp.pk)
    settle()
    assert counts.product_likes(lamp.pk) == 0


def test_the_graph_edges_are_homes_that_reconcile_clean_and_rebuild_from_themselves(people):
    ada, bob = people["ada"], people["bob"]
    services.follow(ada, bob.pk)
    services.like_product(ada, ProductFactory().pk)

    for projector in (FollowsHome(), LikesHome()):
        assert maintenance.reconcile(projector).clean
        assert maintenance.rebuild(projector) == 1
    assert services.is_following(ada.pk, bob.pk)


# -- the API ------------------------------------------------------------------
@pytest.fixture
def signed_in(client, people):
    client.force_login(people["ada"])
    return client


def test_the_api_follows_and_unfollows_with_counts(signed_in, people):
    bob = people["bob"]
    url = f"/api/social/users/{bob.pk}/follow/"

    created, repeated = signed_in.post(url), signed_in.post(url)
    settle()
    listed = signed_in.get(f"/api/social/users/{bob.pk}/followers/")
    removed = signed_in.delete(url)

    assert (created.status_code, created.json()) == (201, {"active": True, "changed": True, "count": 1})
    assert (repeated.status_code, repeated.json()["changed"]) == (200, False)
    assert [p["username"] for p in listed.json()["results"]] == ["ada"]
    assert removed.json() == {"active": False, "changed": True, "count": 0}


def test_the_api_answers_bad_input_with_a_400(signed_in, people):
    ada = people["ada"]

    answers = [
        signed_in.post(f"/api/social/users/{ada.pk}/follow/"),
        signed_in.post("/api/social/users/424242/follow/"),
        signed_in.get(f"/api/social/users/{ada.pk}/followers/", {"page": "0"}),
        signed_in.get(f"/api/social/users/{ada.pk}/followers/", {"per_page": "100000"}),
        signed_in.post("/api/social/products/999/like/"),
    ]

    assert [a.status_code for a in answers] == [400] * 5
    assert "yourself" in str(answers[0].json())


def test_anonymous_clients_cannot_follow(client, people):
    assert client.post(f"/api/social/users/{people['bob'].pk}/follow/").status_code == 401


def test_social_writes_are_throttled_by_their_own_rate(signed_in, people, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES",
                        {"anon": "1000/minute", "user": "1000/minute", "social_write": "2/minute"})
    cache.delete_many([f"throttle_social_write_{people['ada'].pk}"])
    url = f"/api/social/users/{people['bob'].pk}/follow/"

    answers = [signed_in.post(url).status_code for _ in range(3)]
    reads = signed_in.get(f"/api/social/users/{people['bob'].pk}/followers/")

    assert answers == [201, 200, 429]
    assert reads.status_code == 200, "reads do not spend the write rate"


def test_bought_by_people_you_follow_ranks_their_purchases_and_leaves_out_drafts(people):
    from apps.stores import stores

    ada, bob, cy = people["ada"], people["bob"], people["cy"]
    services.follow(ada, bob.pk)
    services.follow(ada, cy.pk)
    lamp, mug, draft = ProductFactory(name="Lamp"), ProductFactory(name="Mug"), ProductFactory(status="draft")
    graph = stores["graph"]
    # As the orders' graph projection writes a confirmed order: user -bought-> product.
    for product in (lamp, mug, draft):
        graph.upsert_vertex(f"product:{product.pk}", "product")
    graph.upsert_vertex(f"user:{people['dee'].pk}", "user")
    for buyer, product in ((bob, mug), (cy, mug), (cy, lamp), (bob, draft), (people["dee"], lamp)):
        graph.upsert_edge(f"user:{buyer.pk}", "bought", f"product:{product.pk}")

    assert [p.name for p in services.bought_by_people_you_follow(ada.pk)] == ["Mug", "Lamp"]
    assert services.bought_by_people_you_follow(people["dee"].pk) == [], "follows nobody"


def test_the_api_lists_what_the_people_you_follow_bought(signed_in, people):
    assert signed_in.get("/api/social/bought-by-people-you-follow/").json() == []
