"""Accounts on the services: an avatar stored in Azurite and fetched back by its URL, and
a sign-in whose session lives in Redis."""
import io
import urllib.request

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_redis import get_redis_connection
from PIL import Image

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media_container(local_services):
    from django.core.management import call_command

    call_command("stores", "init")  # creates the storage's blob container, as deployments do


def test_an_avatar_is_stored_in_blob_storage_and_served_from_its_url(client):
    user = get_user_model().objects.create_user("ada", "ada@example.com", "a-long-Passphrase-42")
    client.force_login(user)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(buffer, "PNG")

    client.post(reverse("users:profile"), {"display_name": "Ada",
                                           "avatar": SimpleUploadedFile("me.png", buffer.getvalue(), "image/png")})

    user.refresh_from_db()
    url = user.avatar.url
    assert url.startswith("http://127.0.0.1:10000/")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == buffer.getvalue()


def test_a_sign_in_keeps_its_session_in_redis(client):
    get_user_model().objects.create_user("ada", "ada@example.com", "a-long-Passphrase-42")

    client.post(reverse("login"), {"username": "ada", "password": "a-long-Passphrase-42"})

    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    keys = [key.decode() for key in get_redis_connection("default").keys(f"*{session_key}*")]
    assert keys, "the session is a Redis key"


def test_an_avatar_sent_to_api_me_is_stored_in_azurite_with_its_thumbnail(client):
    from rest_framework.test import APIClient

    from tests.pictures import picture, upload

    user = get_user_model().objects.create_user("ada", "ada@example.com", "a-long-Passphrase-42")
    api = APIClient()
    api.force_authenticate(user)
    original = picture((200, 100), "PNG")

    response = api.patch("/api/me/", {"avatar": upload("me.png", original)}, format="multipart")

    assert response.status_code == 200
    for url, expected_type in [(response.json()["avatar_urls"]["url"], "image/png"),
                               (response.json()["avatar_urls"]["small"], "image/webp")]:
        redirect = client.get(url)
        assert redirect.status_code == 302 and redirect["Location"].startswith("http://127.0.0.1:10000/")
        with urllib.request.urlopen(redirect["Location"], timeout=10) as blob:
            data = blob.read()
        assert Image.open(io.BytesIO(data)).get_format_mimetype() == expected_type
    assert data != original and Image.open(io.BytesIO(data)).size == (120, 60)
