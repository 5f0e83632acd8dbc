"""Messages ("Your profile is saved.") are for pages: no message storage is made for an
API request, and pages keep theirs."""
import pytest

pytestmark = pytest.mark.django_db


def test_an_api_request_gets_no_message_storage(client):
    answer = client.get("/api/categories/")

    assert answer.status_code == 200
    assert not hasattr(answer.wsgi_request, "_messages")


def test_a_page_shows_its_message(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("shopper", password="pw"))

    saved = client.post("/accounts/profile/", {"display_name": "Ada", "bio": ""}, follow=True)

    assert saved.status_code == 200
    assert "Your profile is saved." in saved.content.decode()
