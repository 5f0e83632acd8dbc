"""The social walk with two people on their phones: Ada finds Bob from her feed and follows
him from his profile, Bob posts a wide picture from his feed page, the post appears in Ada's feed (whose
first page she had seen, and so cached, before), Ada opens it and likes it, and Bob sees
the like."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.social import services
from tests.browser.steps import image_width_shown, png_file

User = get_user_model()


@pytest.fixture
def ada_and_bob(transactional_db, clean_stores):
    return (User.objects.create_user("ada", "ada@example.com", "a-long-Passphrase-42", display_name="Ada"),
            User.objects.create_user("bob", "bob@example.com", "a-long-Passphrase-42", display_name="Bob",
                                     bio="Mends lamps."))


def test_follow_then_post_then_see_it_in_the_followers_feed_and_like_it(browse, ada_and_bob):
    ada, bob = ada_and_bob
    a, b = browse("phone"), browse("phone")
    a.sign_in_as(ada)
    b.sign_in_as(bob)

    a.open("/")
    a.follow(a.page.locator("header.site-header").get_by_role("link", name="Feed"))
    expect(a.page).to_have_title("Your feed · Polyglot Shop")
    expect(a.page.locator("main")).to_contain_text("Nothing here yet: follow people to see their posts.")

    a.follow(a.page.locator("main").get_by_role("link", name="Find people"))
    a.page.get_by_label("Search people and posts").fill("bob")
    a.follow(a.page.locator("main").get_by_role("button", name="Search"))
    a.follow(a.page.locator("ul.people").get_by_role("link", name="Bob"))
    assert a.path == f"/social/people/{bob.pk}/"
    expect(a.page.get_by_role("heading", level=1)).to_have_text("Bob")
    expect(a.page.locator("main")).to_contain_text("0 followers")
    a.follow(a.page.locator("main").get_by_role("button", name="Follow", exact=True))
    expect(a.page.locator("main").get_by_role("button", name="Unfollow")).to_be_visible()
    expect(a.page.locator("main")).to_contain_text("1 follower ")
    expect(a.page.locator("ul.people")).to_contain_text("Ada")
    assert services.is_following(ada.pk, bob.pk)
    a.open("/social/feed/")  # read, and cached, before Bob posts
    expect(a.page.locator("main")).to_contain_text("Nothing here yet")

    b.open("/social/feed/")
    b.page.get_by_label("What's new?").fill("Mended a brass lamp today: new cord, same old shade.")
    b.page.get_by_label("Picture").set_input_files(files=[png_file("lamp.png", size=(800, 400))])
    b.follow(b.page.locator("main").get_by_role("button", name="Post", exact=True))
    expect(b.page.locator(".messages")).to_contain_text("Posted.")
    post_path = b.path
    assert post_path.startswith("/social/posts/")

    a.open("/social/feed/")
    post = a.page.locator("article.post", has_text="Mended a brass lamp today")
    expect(post).to_have_count(1)
    expect(post.get_by_role("link", name="Bob")).to_be_visible()
    assert image_width_shown(post.locator("img.post-image")) == 800
    assert post.locator("img.post-image").bounding_box()["width"] < 390, "a wide picture fits the phone"
    a.follow(post.locator(f"a[href='{post_path}']"))
    assert a.path == post_path
    expect(a.page.locator("main")).to_contain_text("0 likes")
    a.follow(a.page.locator("main").get_by_role("button", name="Like", exact=True))

    assert a.path == post_path
    expect(a.page.locator("main")).to_contain_text("1 like")
    expect(a.page.locator("main").get_by_role("button", name="Unlike")).to_be_visible()
    b.open(post_path)
    expect(b.page.locator("main")).to_contain_text("1 like")
    expect(b.page.locator("main").get_by_role("button", name="Like", exact=True)).to_be_visible()
