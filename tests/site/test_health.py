"""/health/ready: ok only while every projection keeps up; degraded (200) while deliveries
fail, are dead or wait past the staleness bound; 503 when the database is down."""
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.sync.models import Delivery
from tests.factories import ProductFactory
from tests.site.fresh import load_settings

SEARCH = "catalog.product.search"
ASK_READY = (
    "import django, json; django.setup(); from django.test import Client; "
    "response = Client().get('/health/ready'); "
    "print(json.dumps({'code': response.status_code, 'body': response.json()}))"
)


def ready(client):
    response = client.get(reverse("health:ready"))
    return response.status_code, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status, age_seconds, problem",
    [
        ("failed", 0, "1 failed"),
        ("dead", 0, "1 dead"),
        ("pending", 60, "oldest undelivered event"),
    ],
    ids=["failed-will-retry", "dead", "pending-past-the-bound"],
)
def test_ready_is_degraded_while_a_projection_falls_behind(client, settings, status, age_seconds, problem):
    settings.POLYGLOT_SYNC = {**settings.POLYGLOT_SYNC, "STALENESS_BOUND_SECONDS": 5.0}
    ProductFactory()
    Delivery.objects.filter(projection=SEARCH).update(
        status=status, created_at=timezone.now() - timedelta(seconds=age_seconds)
    )

    code, body = ready(client)

    assert code == 200
    assert body["status"] == "degraded"
    assert len(body["problems"]) == 1
    assert body["problems"][0].startswith(f"{SEARCH}: {problem}")
    assert body["projections"][SEARCH][status] == 1


@pytest.mark.django_db
def test_ready_is_ok_while_fresh_events_are_in_flight(client, settings):
    settings.POLYGLOT_SYNC = {**settings.POLYGLOT_SYNC, "STALENESS_BOUND_SECONDS": 5.0}
    ProductFactory()
    Delivery.objects.filter(projection=SEARCH).update(status="pending", created_at=timezone.now())

    code, body = ready(client)

    assert (code, body["status"], body["problems"]) == (200, "ok", [])
    assert body["projections"][SEARCH]["pending"] == 1


def test_ready_answers_503_when_the_database_is_down(tmp_path):
    # A real failure, no mock: the SQLite file sits in a folder that does not exist.
    result = load_settings(tmp_path, ASK_READY, SQLITE_PATH=str(tmp_path / "missing" / "db.sqlite3"))

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer == {"code": 503, "body": {"status": "unavailable", "database": "down", "down": ["database"]}}
