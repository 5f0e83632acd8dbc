"""The data map and the operators' runs: built from the registry, counts from each store,
rebuild/replay/reconcile started from the admin as tasks with progress and a kept result."""
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.sync import maintenance_runs
from apps.sync.models import Delivery, MaintenanceRun
from apps.sync.tasks import run_maintenance
from tests.factories import ProductFactory
from tests.sync.test_relay import unreachable_documents_store

pytestmark = pytest.mark.django_db(transaction=True)

DATA_MAP = "admin:sync_data_map"
SEARCH, DOCUMENT = "catalog.product.search", "catalog.product.document"


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def rows(response):
    return {row.name: row for kind in response.context["kinds"] for row in kind.projections}


def test_the_data_map_lists_each_record_kind_its_home_and_projections_with_counts(admin_client, clean_stores):
    ProductFactory.create_batch(3)
    Delivery.objects.filter(projection=SEARCH).update(status="dead")

    response = admin_client.get(reverse(DATA_MAP))

    [kind] = [k for k in response.context["kinds"] if k.aggregatetype == "catalog.product"]
    assert (kind.home, kind.home_count.value) == ("SQL catalog.Product", 3)
    assert {row.name: (row.describe, row.count.value, row.lag.get("dead")) for row in kind.projections} == {
        "catalog.product.cache": ("cache default (entries dropped on change)", None, 0),
        DOCUMENT: ("documents products", 3, 0),
        SEARCH: ("search index products", 3, 3),
    }
    page = response.content.decode()
    assert "TantivySearchBackend" in page and "never" in page  # the backend in use; no reconcile ran yet


def test_a_reconcile_started_from_the_data_map_runs_as_a_task_and_its_drift_is_shown(admin_client, clean_stores):
    products = ProductFactory.create_batch(2)
    clean_stores["search"].clear("products")

    response = admin_client.post(reverse(DATA_MAP), {"action": "reconcile", "projection": SEARCH}, follow=True)

    assert messages_of(response) == [f"Reconcile (report only) of {SEARCH} started."]
    run = MaintenanceRun.objects.get()
    assert (run.state, run.total, run.done_count, run.requested_by.is_staff) == ("done", 2, 2, True)
    assert run.result["counts"]["missing"] == 2
    assert sorted(run.result["ids"]["missing"]) == sorted(str(p.pk) for p in products)
    last = rows(response)[SEARCH].last_reconcile
    assert last == run and "2 missing" in response.content.decode()


def test_a_rebuild_from_the_data_map_writes_the_projection_back(admin_client, clean_stores):
    product = ProductFactory(name="Brass lamp")
    clean_stores["search"].clear("products")

    admin_client.post(reverse(DATA_MAP), {"action": "rebuild", "projection": SEARCH})

    run = MaintenanceRun.objects.get()
    assert (run.state, run.result) == ("done", {"written": 1})
    assert clean_stores["search"].search("products", "brass").ids == [str(product.pk)]


def test_a_second_run_of_a_projection_under_way_is_refused_and_nothing_runs_twice(admin_client, clean_stores):
    under_way = MaintenanceRun.objects.create(action="rebuild", projection=SEARCH, state="running")

    response = admin_client.post(reverse(DATA_MAP), {"action": "rebuild", "projection": SEARCH}, follow=True)

    assert messages_of(response) == [f"A rebuild of {SEARCH} is already under way; wait for it to finish."]
    assert list(MaintenanceRun.objects.all()) == [under_way]
    assert run_maintenance(str(under_way.pk)) is None, "a run already taken is not run again"


@pytest.mark.parametrize("action, projection, message", [
    ("rebuild", "catalog.nothing", "No projection named 'catalog.nothing'"),
    ("explode", SEARCH, "Unknown action 'explode'"),
])
def test_an_unknown_projection_or_action_is_a_clear_message(admin_client, clean_stores, action, projection, message):
    response = admin_client.post(reverse(DATA_MAP), {"action": action, "projection": projection}, follow=True)

    assert response.status_code == 200
    assert messages_of(response)[0].startswith(message)
    assert not MaintenanceRun.objects.exists()


def test_a_store_that_is_down_shows_as_unavailable_and_a_run_on_it_fails_with_its_error(admin_client, clean_stores):
    ProductFactory()
    with unreachable_documents_store():
        page = admin_client.get(reverse(DATA_MAP))
        with pytest.raises(Exception):  # noqa: B017 - the task raises whatever the store raised
            run = maintenance_runs.request_run("reconcile", DOCUMENT)
            run_maintenance(str(run.pk))

    assert page.status_code == 200
    assert rows(page)[DOCUMENT].count.error.startswith("Unavailable")
    run = MaintenanceRun.objects.get()
    assert run.state == "failed" and run.error.startswith("Unavailable") and run.finished_at is not None


def test_the_data_map_is_for_staff_with_the_sync_permissions(client, django_user_model, clean_stores):
    assert client.get(reverse(DATA_MAP)).status_code == 302  # to the admin's login
    client.force_login(django_user_model.objects.create_user("shopper", password="x" * 12))
    assert client.get(reverse(DATA_MAP)).status_code == 302
    staff = django_user_model.objects.create_user("clerk", password="x" * 12, is_staff=True)
    client.force_login(staff)
    assert client.get(reverse(DATA_MAP)).status_code == 403
    assert client.post(reverse(DATA_MAP), {"action": "rebuild", "projection": SEARCH}).status_code == 403
    assert not MaintenanceRun.objects.exists()
