"""Consistency per read: eventual, read-your-writes, bounded staleness, strong,
chosen by the endpoint's default or the Consistency-Level header."""
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from apps.sync.consistency import SESSION_KEY, InvalidConsistencyLevel, parse_level
from apps.sync.models import Delivery
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

API = "/api/products/"
QUICK = {"READ_YOUR_WRITES_WAIT_SECONDS": 0.1, "STALENESS_BOUND_SECONDS": 5}


@pytest.fixture
def lost_messages(monkeypatch):
    from apps.sync import tasks

    monkeypatch.setattr(tasks.deliver_event, "delay", lambda *args, **kwargs: None)


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["add_product", "change_product"]))
    client.force_login(user)
    return client


def found(client, text, level=None):
    headers = {"HTTP_CONSISTENCY_LEVEL": level} if level else {}
    response = client.get(API, {"q": text}, **headers)
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]], response


@pytest.mark.parametrize("level", ["strong", "bounded_staleness"])
def test_reads_that_may_go_to_the_home_need_a_signed_in_user(client, clean_stores, level):
    ProductFactory(name="Lamp")

    api = client.get(API, {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL=level)
    page = client.get("/", {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL=level)

    assert api.status_code in (401, 403) and "need a signed-in user" in api.json()["detail"]
    assert page.status_code == 403 and page["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "value, level",
    [("eventual", "eventual"), ("Read-Your-Writes", "read_your_writes"), ("session", "read_your_writes"),
     ("BOUNDED_STALENESS", "bounded_staleness"), (" strong ", "strong"), ("Monotonic", "monotonic_reads")],
)
def test_levels_are_read_in_any_spelling(value, level):
    assert parse_level(value) == level


def test_an_unknown_level_is_a_400_with_the_choices(client, clean_stores):
    response = client.get(API, {"q": "lamp"}, HTTP_CONSISTENCY_LEVEL="linearizable")

    assert response.status_code == 400
    assert "eventual, read_your_writes, monotonic_reads, bounded_staleness, strong" in response.json()["Consistency-Level"][0]
    assert client.get(reverse("catalog:product-list"), {"q": "x"}, HTTP_CONSISTENCY_LEVEL="nope").status_code == 400
    with pytest.raises(InvalidConsistencyLevel):
        parse_level("x" * 1000)


def test_strong_reads_the_home_and_eventual_the_projection(editor_client, clean_stores, lost_messages):
    ProductFactory(name="Unindexed lamp")  # committed, never delivered

    assert found(editor_client, "unindexed", "eventual")[0] == []
    names, response = found(editor_client, "unindexed", "strong")
    assert names == ["Unindexed lamp"]
    assert response.headers["Consistency-Level"] == "strong"


@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_writer_reads_its_own_write_when_the_projection_lags(editor_client, clean_stores, lost_messages):
    CategoryFactory(name="Lamps")
    created = editor_client.post(
        API, {"sku": "L-1", "name": "Fresh lamp", "category": "lamps", "price": "9.00"}, content_type="application/json"
    )
    assert created.status_code == 201
    own_event = Delivery.objects.get(projection="catalog.product.search").event_id
    assert editor_client.session[SESSION_KEY] == [own_event]

    assert found(editor_client, "fresh")[0] == ["Fresh lamp"], "the writer sees its write (from SQL)"
    assert found(Client(), "fresh")[0] == [], "another visitor reads the lagging projection"


@override_settings(POLYGLOT_SYNC=QUICK)
def test_read_your_writes_uses_the_projection_once_it_caught_up(editor_client, clean_stores):
    CategoryFactory(name="Lamps")
    editor_client.post(API, {"sku": "L-2", "name": "Quick lamp", "category": "lamps", "price": "9"},
                       content_type="application/json")
    product_id = Delivery.objects.get(projection="catalog.product.search").event.aggregateid
    clean_stores["search"].delete_documents("products", [product_id])  # only the projection changes

    assert found(editor_client, "quick")[0] == [], "caught up, so it read the projection"
    assert found(editor_client, "quick", "strong")[0] == ["Quick lamp"]


@override_settings(POLYGLOT_SYNC={**QUICK, "READ_YOUR_WRITES_WAIT_SECONDS": 5})
def test_read_your_writes_waits_for_the_sessions_own_events_only(editor_client, clean_stores):
    # Someone else's delivery is dead, older than anything this session writes.
    ProductFactory(name="Old lamp")
    Delivery.objects.filter(projection="catalog.product.search").update(status="dead")
    CategoryFactory(name="Lamps")
    editor_client.post(API, {"sku": "L-3", "name": "Own lamp", "category": "lamps", "price": "9"},
                       content_type="application/json")
    own = Delivery.objects.get(projection="catalog.product.search", event__payload__sku="L-3")
    assert own.status == "done"
    clean_stores["search"].delete_documents("products", [own.event.aggregateid])  # only the projection changes

    started = time.monotonic()
    names, response = found(editor_client, "lamp")
    waited = time.monotonic() - started

    assert names == ["Old lamp"], "its own events are delivered, so it read the projection"
    assert waited < 2, f"it waited {waited:.1f}s for another writer's dead delivery"


@override_settings(POLYGLOT_SYNC=QUICK)
def test_a_session_never_reads_an_older_version_than_it_was_shown(editor_client, clean_stores, lost_messages):
    from apps.catalog.models import Product
    from apps.sync import relay

    ProductFactory(name="Old name", sku="M-1")
    relay.drain()  # version 1 reaches the index
    product = Product.objects.get(sku="M-1")
    product.name = "New name"
    product.save()  # by someone else; its delivery is lost, so the index still says "Old name"
    shown = editor_client.get(f"{API}{product.pk}/")
    assert shown.json()["version"] == 2

    assert found(editor_client, "old", "monotonic_reads")[0] == [], "it was shown version 2: the home answers"
    assert found(editor_client, "old")[0] == [], "read-your-writes keeps reads monotonic too"
    assert found(editor_client, "old", "eventual")[0] == ["New name"], "eventual reads the lagging index"
    assert found(Client(), "old", "monotonic")[0] == ["New name"], "another visitor was shown nothing"


def test_a_session_remembers_the_versions_of_its_latest_records_only(rf):
    from django.contrib.sessions.backends.cache import SessionStore

    from apps.sync.consistency import REMEMBERED_RECORDS, SEEN_KEY, remember_seen

    request = rf.get("/")
    request.session = SessionStore()
    request.session.create()
    remember_seen(request, "catalog.product", [(n, 1) for n in range(REMEMBERED_RECORDS + 50)])
    remember_seen(request, "catalog.product", [(3, 7), (3, 2)])

    seen = request.session[SEEN_KEY]
    assert len(seen) == REMEMBERED_RECORDS
    assert "catalog.product:0" not in seen and seen["catalog.product:3"] == 7


@override_settings(POLYGLOT_SYNC=QUICK)
def test_bounded_staleness_reads_the_home_past_the_bound_and_warns(editor_client, clean_stores, lost_messages, caplog):
    client = editor_client
    ProductFactory(name="Stale lamp")

    assert found(client, "stale", "bounded_staleness")[0] == [], "within the bound: the projection"

    Delivery.objects.update(created_at=timezone.now() - timedelta(seconds=60))
    with caplog.at_level("WARNING", logger="apps.sync.consistency"):
        assert found(client, "stale", "bounded_staleness")[0] == ["Stale lamp"]
    assert "past the staleness bound" in caplog.text
