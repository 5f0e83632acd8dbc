"""Avatars get a thumbnail and stable URLs, from the profile page and from /api/me/; a bad
file is a form error or a 400 and writes nothing; /api/me/ is only ever your own profile."""
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.users.avatars import THUMBNAIL_SIZE
from tests.pictures import picture, remove_all, stored_names, upload

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-Passphrase-42"
ME = "/api/me/"


@pytest.fixture(autouse=True)
def empty_avatar_storage():
    remove_all(storages["default"], "avatars/")
    yield
    remove_all(storages["default"], "avatars/")


@pytest.fixture
def ada():
    return User.objects.create_user("ada", "ada@example.com", PASSWORD)


@pytest.fixture
def api(ada):
    client = APIClient()
    client.force_authenticate(ada)
    return client


def fetched(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content)


def test_the_profile_page_stores_an_avatar_with_a_thumbnail_it_shows(client, ada):
    client.force_login(ada)
    original = picture((600, 300), "PNG")

    response = client.post(reverse("users:profile"), {"display_name": "Ada", "avatar": upload("me.png", original)})

    ada.refresh_from_db()
    assert response.status_code == 302
    urls = ada.avatar_urls
    assert fetched(client, urls["url"]) == original
    assert Image.open(io.BytesIO(fetched(client, urls["small"]))).size == (THUMBNAIL_SIZE, THUMBNAIL_SIZE // 2)
    assert f'src="{urls["small"]}"' in client.get(reverse("users:profile")).content.decode()


def test_a_new_avatar_replaces_the_old_one_and_its_thumbnail(client, ada,
                                                               django_capture_on_commit_callbacks):
    client.force_login(ada)
    client.post(reverse("users:profile"), {"display_name": "Ada", "avatar": upload("one.png")})
    ada.refresh_from_db()
    first = ada.avatar.name

    with django_capture_on_commit_callbacks(execute=True):  # the old blobs go once the change is committed
        client.post(reverse("users:profile"), {"display_name": "Ada", "avatar": upload("two.jpg", picture(format="JPEG"))})

    ada.refresh_from_db()
    assert ada.avatar.name != first and ada.avatar.name.endswith(".jpg")
    assert len(stored_names(storages["default"], "avatars/")) == 2, "the new avatar and its thumbnail only"


def test_a_truncated_picture_is_refused_on_the_profile_page_and_nothing_is_written(client, ada):
    client.force_login(ada)

    response = client.post(reverse("users:profile"), {
        "display_name": "Ada", "avatar": upload("cut.jpg", picture(format="JPEG")[:1500], "image/jpeg")})

    assert response.status_code == 200 and "not a picture" in response.content.decode()
    ada.refresh_from_db()
    assert not ada.avatar and ada.display_name == ""
    assert stored_names(storages["default"], "avatars/") == []


def test_me_answers_401_to_an_anonymous_client():
    response = APIClient().get(ME)

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert APIClient().patch(ME, {"bio": "hi"}, format="json").status_code == 401


def test_me_shows_your_own_profile(api, ada):
    response = api.get(ME)

    assert response.status_code == 200
    assert response.json() == {"id": ada.pk, "username": "ada", "email": "ada@example.com", "display_name": "",
                               "bio": "", "avatar_urls": None}


def test_me_changes_the_name_and_bio_but_not_the_username(api, ada):
    response = api.patch(ME, {"display_name": "Ada L.", "bio": "Counts things.", "username": "root"}, format="json")

    ada.refresh_from_db()
    assert response.status_code == 200 and response.json()["display_name"] == "Ada L."
    assert (ada.username, ada.display_name, ada.bio) == ("ada", "Ada L.", "Counts things.")


def test_me_takes_an_avatar_as_a_multipart_upload(api, ada):
    original = picture((300, 300), "PNG")

    response = api.patch(ME, {"avatar": upload("me.png", original)}, format="multipart")

    assert response.status_code == 200
    urls = response.json()["avatar_urls"]
    ada.refresh_from_db()
    assert urls == ada.avatar_urls
    assert fetched(api, urls["url"]) == original
    assert Image.open(io.BytesIO(fetched(api, urls["small"]))).size == (THUMBNAIL_SIZE, THUMBNAIL_SIZE)


def test_me_removes_the_avatar_when_sent_null(api, ada, django_capture_on_commit_callbacks):
    api.patch(ME, {"avatar": upload()}, format="multipart")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(ME, {"avatar": None}, format="json")

    ada.refresh_from_db()
    assert response.status_code == 200 and response.json()["avatar_urls"] is None
    assert not ada.avatar
    assert stored_names(storages["default"], "avatars/") == []


@pytest.mark.parametrize("data, field, message", [
    ({"avatar": upload("notes.png", b"words, not a picture")}, "avatar", "Upload a valid image"),
    ({"avatar": upload("cut.jpg", picture(format="JPEG")[:1500], "image/jpeg")}, "avatar", "not a picture"),
    ({"avatar": upload("huge.png", picture() + b"\0" * (5 * 1024 * 1024))}, "avatar", "larger than 5 MB"),
    ({"bio": "x" * 1001, "display_name": "Ada"}, "bio", "no more than 1000 characters"),
], ids=["not-an-image", "truncated", "over-5-MB", "bio-too-long"])
def test_me_answers_400_with_field_errors_and_writes_nothing(api, ada, data, field, message):
    response = api.patch(ME, data, format="multipart")

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    ada.refresh_from_db()
    assert not ada.avatar and ada.display_name == "" and ada.bio == ""
    assert stored_names(storages["default"], "avatars/") == []


def test_me_refuses_a_request_body_over_the_upload_limit(api, ada, settings):
    settings.MAX_UPLOAD_BYTES = 50_000

    response = api.patch(ME, {"avatar": upload("big.png", picture() + b"\0" * 60_000)}, format="multipart")

    assert response.status_code == 400
    ada.refresh_from_db()
    assert not ada.avatar
    assert stored_names(storages["default"], "avatars/") == []


def test_me_is_always_the_callers_own_profile_staff_included(ada):
    staff = User.objects.create_user("root", "root@example.com", PASSWORD, is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=staff).key}")

    response = client.patch(ME, {"display_name": "Operator", "id": ada.pk}, format="json")

    assert response.status_code == 200 and response.json()["username"] == "root"
    ada.refresh_from_db()
    assert ada.display_name == ""
    assert User.objects.get(username="root").display_name == "Operator"


def test_me_has_no_put_or_delete(api):
    assert api.put(ME, {"display_name": "Ada"}, format="json").status_code == 405
    assert api.delete(ME).status_code == 405
