"""Shopper accounts on the site's own pages: sign up, sign in, sign out (a POST),
password reset by email, a profile with an avatar, and their bad inputs."""
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "a-long-Passphrase-42"


def png(size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def sign_up(client, username="ada", email="ada@example.com", **extra):
    return client.post(reverse("users:sign-up"), {"username": username, "email": email,
                                                  "password1": PASSWORD, "password2": PASSWORD, **extra})


def test_a_shopper_signs_up_and_is_signed_in(client):
    response = sign_up(client, next="/?q=lamp")

    assert response.status_code == 302 and response["Location"] == "/?q=lamp"
    assert client.get("/").context["user"].username == "ada"
    assert User.objects.get(username="ada").email == "ada@example.com"


def test_a_taken_email_is_refused_whatever_its_case_and_nothing_is_written(client):
    sign_up(client)
    client.logout()

    response = sign_up(client, username="eve", email="ADA@example.com")

    assert response.status_code == 200
    assert "An account with this email exists" in response.content.decode()
    assert not User.objects.filter(username="eve").exists()


def test_sign_in_and_sign_out_from_the_sites_pages(client):
    User.objects.create_user("ada", "ada@example.com", PASSWORD)

    page = client.get(reverse("login"))
    signed_in = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    by_get = client.get(reverse("logout"))
    signed_out = client.post(reverse("logout"))

    assert page.status_code == 200 and "Forgot your password?" in page.content.decode()
    assert signed_in.status_code == 302
    assert by_get.status_code == 405, "signing out is a POST"
    assert signed_out.status_code == 302 and "_auth_user_id" not in client.session


def test_an_unsafe_next_is_ignored(client):
    response = sign_up(client, next="https://evil.example.net/")

    assert response["Location"] == reverse("users:profile")


def test_failed_sign_ins_lock_the_account_out_for_a_while(client):
    User.objects.create_user("ada", "ada@example.com", PASSWORD)

    for n in range(5):
        client.post(reverse("login"), {"username": "ada", "password": f"guess {n}"})
    locked = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})

    assert locked.status_code == 429 and "_auth_user_id" not in client.session


def test_a_password_is_reset_through_the_emailed_link(client):
    User.objects.create_user("ada", "ada@example.com", PASSWORD)

    client.post(reverse("password_reset"), {"email": "ada@example.com"})
    [message] = mail.outbox
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Another-long-pass-77",
                                                    "new_password2": "Another-long-pass-77"})

    assert done.status_code == 302
    signed_in = client.post(reverse("login"), {"username": "ada", "password": "Another-long-pass-77"})
    assert signed_in.status_code == 302 and "_auth_user_id" in client.session


def test_the_profile_keeps_a_name_a_bio_and_an_avatar_in_the_file_storage(client):
    from django.core.files.storage import default_storage

    user = User.objects.create_user("ada", "ada@example.com", PASSWORD)
    client.force_login(user)

    response = client.post(reverse("users:profile"), {
        "display_name": "Ada L.", "bio": "Counts things.", "avatar": SimpleUploadedFile("me.png", png(), "image/png"),
    })

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.display_name, user.bio) == ("Ada L.", "Counts things.")
    assert default_storage.exists(user.avatar.name)
    assert 'class="avatar"' in client.get(reverse("users:profile")).content.decode()


@pytest.mark.parametrize("upload, message", [
    (SimpleUploadedFile("notes.png", b"not a picture at all", "image/png"), "Upload a valid image"),
])
def test_an_avatar_that_is_not_a_picture_is_refused(client, upload, message):
    user = User.objects.create_user("ada", "ada@example.com", PASSWORD)
    client.force_login(user)

    response = client.post(reverse("users:profile"), {"display_name": "Ada", "avatar": upload})

    assert response.status_code == 200 and message in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar and user.display_name == ""


def test_an_upload_over_the_limit_is_refused_before_it_is_read(client, settings):
    user = User.objects.create_user("ada", "ada@example.com", PASSWORD)
    client.force_login(user)
    settings.MAX_UPLOAD_BYTES = 50_000

    response = client.post(reverse("users:profile"), {
        "display_name": "Ada", "avatar": SimpleUploadedFile("big.png", png((400, 400)) + b"\0" * 60_000, "image/png"),
    })

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.display_name == ""


def test_the_profile_needs_a_signed_in_user(client):
    response = client.get(reverse("users:profile"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_signing_in_announces_nothing_but_a_profile_change_does(client, django_user_model):
    from apps.sync.models import OutboxEvent

    user = django_user_model.objects.create_user("ada", "ada@example.com", "a-long-Passphrase-42")
    events = OutboxEvent.objects.filter(aggregatetype="users.user", aggregateid=str(user.pk))
    assert events.count() == 1

    signed_in = client.post(reverse("login"), {"username": "ada", "password": "a-long-Passphrase-42"})
    assert signed_in.status_code == 302  # signing in saved last_login alone
    user.refresh_from_db()
    assert user.last_login is not None and (events.count(), user.version) == (1, 1)

    user.display_name = "Ada L."
    user.save(update_fields=["display_name"])
    assert (events.count(), user.version) == (2, 2)
