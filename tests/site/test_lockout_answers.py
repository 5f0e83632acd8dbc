"""Once failed sign-ins lock an account (django-axes), people get the shop's page saying how
long to wait and how to reset the password; API clients get JSON."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def fail_five_times(client, url):
    for n in range(5):
        client.post(url, {"username": "ada", "password": f"guess {n}"})
    return client.post(url, {"username": "ada", "password": "right-password"})


def test_a_person_locked_out_gets_the_shops_page_with_the_way_to_reset(client, django_user_model):
    django_user_model.objects.create_user("ada", "ada@example.com", "right-password")

    locked = fail_five_times(client, reverse("login"))

    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    body = locked.content.decode()
    assert "Too many attempts to sign in" in body and reverse("password_reset") in body
    assert "_auth_user_id" not in client.session


def test_an_api_client_locked_out_gets_json_and_no_token(client, django_user_model):
    django_user_model.objects.create_user("ada", "ada@example.com", "right-password")

    locked = fail_five_times(client, "/api/token/")

    assert locked.status_code in (400, 429) and locked["Content-Type"] == "application/json"
    assert "token" not in locked.json()


def test_the_lockout_answer_under_the_api_is_json(rf):
    from polyglot_site.views import locked_out

    answer = locked_out(rf.post("/api/token/"), {"username": "ada"})

    assert answer.status_code == 429 and answer["Content-Type"] == "application/json"
