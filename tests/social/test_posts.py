"""Posts and comments: documents whose home is the document store, partitioned by author."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from apps.social import posting, services
from apps.social.models import Comment, Post
from apps.social.projections import CommentHome, PostHome
from apps.stores import stores
from apps.sync import maintenance
from apps.sync.models import OutboxEvent
from tests.social.conftest import stored_files
from tests.social.images import fake_image_upload, png_upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def authors(django_user_model, clean_stores):
    authors = {name: django_user_model.objects.create_user(name, password="pw") for name in ("ada", "bob")}
    authors["staff"] = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    return authors


def post_events():
    return list(OutboxEvent.objects.filter(aggregatetype="social.post").values_list("type", "version"))


def test_a_post_is_a_document_in_its_authors_partition_with_an_event(authors):
    ada = authors["ada"]

    post = posting.create_post(ada, "  Hello, world  ", png_upload())

    document = stores["documents"].get("posts", post.id, str(ada.pk))
    assert (document["text"], document["author"], document["version"]) == ("Hello, world", str(ada.pk), 1)
    assert default_storage.exists(post.image) and post.image.endswith(".png")
    assert post_events() == [("saved", 1)]
    assert Post.objects.get(post.id).text == "Hello, world"
    assert [p.id for p in Post.objects.filter(author=str(ada.pk))] == [post.id]


@pytest.mark.parametrize("text, image, field", [
    ("", None, "text"),
    ("   ", None, "text"),
    ("x" * 100_000, None, "text"),
    ("fine words", "fake", "image"),
])
def test_bad_posts_are_refused_and_nothing_is_written_anywhere(authors, text, image, field):
    upload = fake_image_upload() if image else None

    with pytest.raises(ValidationError) as refused:
        posting.create_post(authors["ada"], text, upload)

    assert field in refused.value.message_dict
    assert post_events() == [] and stores["documents"].count("posts") == 0
    assert stored_files() == []


def test_a_post_of_exactly_5000_characters_is_kept(authors):
    assert len(posting.create_post(authors["ada"], "x" * 5000).text) == 5000


def test_only_the_author_edits_or_deletes_and_only_staff_hide(authors):
    ada, bob, staff = authors["ada"], authors["bob"], authors["staff"]
    post = posting.create_post(ada, "first words", png_upload())

    with pytest.raises(PermissionDenied):
        posting.edit_post(bob, post.id, "defaced")
    with pytest.raises(PermissionDenied):
        posting.hide_post(bob, post.id)
    edited = posting.edit_post(ada, post.id, "better words")
    hidden = posting.hide_post(staff, post.id)

    assert (edited.text, edited.version, bool(edited.edited)) == ("better words", 2, True)
    assert hidden.hidden and Post.objects.get(post.id).hidden
    with pytest.raises(ValidationError):
        posting.visible_post(post.id, bob)
    assert posting.visible_post(post.id, ada).id == post.id, "its author still sees it"

    posting.delete_post(ada, post.id)
    assert stores["documents"].count("posts") == 0 and not default_storage.exists(post.image)
    assert post_events() == [("saved", 1), ("saved", 2), ("saved", 3), ("deleted", 4)]


def test_comments_are_kept_oldest_first_and_a_post_can_be_liked(authors):
    ada, bob = authors["ada"], authors["bob"]
    post = posting.create_post(ada, "a thought")

    posting.add_comment(bob, post.id, "agreed")
    posting.add_comment(ada, post.id, "thanks")
    with pytest.raises(ValidationError):
        posting.add_comment(bob, post.id, "")
    with pytest.raises(ValidationError):
        posting.add_comment(bob, "nope", "hello?")

    assert [c.text for c in posting.comments_on(post.id)] == ["agreed", "thanks"]
    assert Comment.objects.count() == 2
    assert services.like_post(bob, post.id) and not services.like_post(bob, post.id)
    assert services.likes_post(bob.pk, post.id)


def test_posts_and_comments_reconcile_and_rebuild_from_their_containers(authors):
    post = posting.create_post(authors["ada"], "kept")
    posting.add_comment(authors["bob"], post.id, "noted")

    for projector in (PostHome(), CommentHome()):
        assert maintenance.reconcile(projector).clean
        assert maintenance.rebuild(projector) == 1
    assert Post.objects.get(post.id).text == "kept"


# -- the API ------------------------------------------------------------------
@pytest.fixture
def ada_client(client, authors):
    client.force_login(authors["ada"])
    return client


def test_the_api_posts_with_an_image_reads_edits_and_deletes(ada_client, authors):
    created = ada_client.post("/api/social/posts/", {"text": "with a picture", "image": png_upload()})
    post_id = created.json()["id"]

    listed = ada_client.get("/api/social/posts/", {"author": authors["ada"].pk})
    edited = ada_client.patch(f"/api/social/posts/{post_id}/", {"text": "edited"}, content_type="application/json")
    commented = ada_client.post(f"/api/social/posts/{post_id}/comments/", {"text": "me again"})
    deleted = ada_client.delete(f"/api/social/posts/{post_id}/")

    assert created.status_code == 201 and created.json()["image_url"]
    assert [p["id"] for p in listed.json()] == [post_id]
    assert (edited.status_code, edited.json()["text"]) == (200, "edited")
    assert commented.status_code == 201
    assert deleted.status_code == 204 and ada_client.get(f"/api/social/posts/{post_id}/").status_code == 404


def test_the_api_refuses_bad_posts_with_a_400_and_writes_nothing(ada_client):
    answers = [
        ada_client.post("/api/social/posts/", {"text": ""}),
        ada_client.post("/api/social/posts/", {"text": "x" * 100_000}, content_type="application/json"),
        ada_client.post("/api/social/posts/", {"text": "hi", "image": fake_image_upload()}),
        ada_client.get("/api/social/posts/", {"author": "424242"}),
    ]

    assert [a.status_code for a in answers] == [400] * 4
    assert stores["documents"].count("posts") == 0 and stored_files() == []


def test_the_api_lets_only_staff_hide_and_the_author_edit(client, authors):
    post = posting.create_post(authors["ada"], "mine")
    client.force_login(authors["bob"])
    edit = client.patch(f"/api/social/posts/{post.id}/", {"text": "yours"}, content_type="application/json")
    hide = client.post(f"/api/social/posts/{post.id}/hide/")
    client.force_login(authors["staff"])
    hidden = client.post(f"/api/social/posts/{post.id}/hide/")
    client.force_login(authors["bob"])

    assert (edit.status_code, hide.status_code, hidden.status_code) == (403, 403, 200)
    assert client.get(f"/api/social/posts/{post.id}/").status_code == 404


def test_an_edit_never_brings_back_a_post_deleted_meanwhile_nor_overwrites_a_newer_edit(authors):
    ada = authors["ada"]
    post = posting.create_post(ada, "first")
    stale = Post.objects.get(post.id)
    posting.edit_post(ada, post.id, "second")

    with pytest.raises(Post.Changed):
        Post.objects.update(stale, text="lost update")
    posting.delete_post(ada, post.id)
    with pytest.raises(Post.DoesNotExist):
        Post.objects.update(stale, text="back from the dead")

    assert stores["documents"].count("posts") == 0
    assert post_events()[-1] == ("deleted", 3)
