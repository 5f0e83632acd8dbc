"""Store health: /health/ready asks every store one cheap read and reports its state and
latency; a store that is down makes the instance degraded, or not ready (503, naming it)
when it is required; `manage.py stores check` and the data map say the same.

A store is made unavailable for real: the document store's file path is a folder."""
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db

STORES = {"cache", "documents", "files", "graph", "search"}


@pytest.fixture
def documents_down(settings, tmp_path):
    broken = tmp_path / "documents-down"
    broken.mkdir()
    settings.POLYGLOT_STORES = {
        **settings.POLYGLOT_STORES,
        "documents": {"BACKEND": "apps.stores.documents.sqlite.SQLiteDocumentStore", "OPTIONS": {"path": str(broken)}},
    }
    return broken


def ready(client, **extra):
    response = client.get(reverse("health:ready"), **extra)
    return response.status_code, response.json()


def test_ready_reports_each_store_up_with_its_latency_and_backend(client):
    code, body = ready(client)

    assert code == 200 and body["status"] == "ok"
    assert set(body["stores"]) == STORES
    assert all(store["status"] == "up" and store["latency_ms"] >= 0 for store in body["stores"].values())
    assert body["stores"]["documents"]["backend"] == "SQLiteDocumentStore"
    assert body["stores"]["cache"]["required"] is True and body["stores"]["search"]["required"] is False


def test_a_store_that_is_down_makes_the_instance_degraded_and_says_which(client, documents_down):
    code, body = ready(client)

    assert code == 200 and body["status"] == "degraded"
    assert body["stores"]["documents"]["status"] == "down"
    assert "unavailable" in body["stores"]["documents"]["error"]
    assert any(problem.startswith("documents store is down") for problem in body["problems"])


def test_a_required_store_that_is_down_makes_the_instance_not_ready(client, documents_down, settings):
    settings.HEALTH_REQUIRED_STORES = ["cache", "documents"]

    code, body = ready(client)
    outside_code, outside = ready(client, REMOTE_ADDR="203.0.113.9")

    assert code == outside_code == 503
    assert body["status"] == "unavailable" and body["down"] == ["documents"]
    assert outside == {"status": "unavailable", "down": ["documents"]}, "only the names, for anyone"


def test_stores_check_prints_each_store_and_fails_when_a_required_one_is_down(documents_down, settings, capsys):
    call_command("stores", "check")  # documents are not required by default
    printed = capsys.readouterr().out
    assert "documents: DOWN" in printed and "search: up" in printed

    settings.HEALTH_REQUIRED_STORES = ["documents"]
    with pytest.raises(CommandError, match="Required store.* down: documents"):
        call_command("stores", "check")


def test_the_data_map_shows_each_store_now(admin_client, documents_down):
    page = admin_client.get(reverse("admin:sync_data_map")).content.decode()

    assert "Stores now" in page and "down: Unavailable" in page and "TantivySearchBackend" in page
