"""Operator tools: status, rebuild, replay, reconcile (with repair), redrive, and /health/ready."""
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from apps.sync.models import Delivery
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTS, SEARCH = "catalog.product.document", "catalog.product.search"


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("projections", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def docs(stores):
    return {d["id"]: d for d in stores["documents"].query("products", limit=1000).items}


def test_reconcile_reports_missing_stale_and_extra_then_repairs_them(clean_stores):
    kept, lost, stale = ProductFactory(name="Kept lamp"), ProductFactory(name="Lost lamp"), ProductFactory(name="Old lamp")
    documents = clean_stores["documents"]
    documents.delete("products", str(lost.pk), lost.category.slug)
    old = documents.get("products", str(stale.pk), stale.category.slug)
    documents.replace("products", {**old, "name": "Older lamp", "version": 0})
    documents.create("products", {"id": "999999", "category": "ghosts", "name": "Ghost", "version": 4})

    with pytest.raises(CommandError, match="drifted"):
        run("reconcile", "--projection", DOCUMENTS)
    report = run("reconcile", "--projection", DOCUMENTS, "--repair")

    assert "1 missing, 1 stale, 1 extra (repaired)" in report
    held = docs(clean_stores)
    assert set(held) == {str(kept.pk), str(lost.pk), str(stale.pk)}
    assert held[str(stale.pk)]["name"] == "Old lamp"
    assert "in agreement" in run("reconcile", "--projection", DOCUMENTS)


def test_reconcile_finds_a_search_index_that_lost_entries(clean_stores):
    products = [ProductFactory(name=f"Lamp {n}") for n in range(3)]
    clean_stores["search"].delete_documents("products", [str(products[0].pk)])

    report = run("reconcile", "--projection", SEARCH, "--repair")

    assert "1 missing" in report
    assert clean_stores["search"].search("products", "lamp").total == 3


def test_rebuild_rewrites_a_wiped_projection_from_sql(clean_stores):
    products = [ProductFactory(name=f"Desk lamp {n}") for n in range(4)]
    clean_stores["search"].clear("products")

    report = run("rebuild", SEARCH)

    assert "rebuilt from 4 records" in report
    assert sorted(clean_stores["search"].search("products", "lamp").ids) == sorted(str(p.pk) for p in products)


def test_replay_brings_back_what_a_restored_backup_lacks(clean_stores):
    early = ProductFactory(name="Early lamp")
    from apps.sync.models import OutboxEvent

    since = OutboxEvent.objects.order_by("-sequence").first().sequence + 1
    late = ProductFactory(name="Late lamp")
    late.name = "Later lamp"
    late.save()
    clean_stores["documents"].delete("products", str(late.pk), late.category.slug)  # "restored" without it

    run("replay", "--since", str(since), "--projection", DOCUMENTS)

    held = docs(clean_stores)
    assert held[str(late.pk)]["name"] == "Later lamp" and held[str(late.pk)]["version"] == 2
    assert held[str(early.pk)]["name"] == "Early lamp"


def test_an_unknown_projection_is_a_clear_error(clean_stores):
    with pytest.raises(CommandError, match="No projection named 'nope'"):
        run("rebuild", "nope")


def test_status_and_health_report_lag_and_dead_letters(client, clean_stores):
    product = ProductFactory()
    Delivery.objects.filter(projection=SEARCH).update(status="dead", last_error="search down")

    status = json.loads(run("status", "--json"))
    health = client.get(reverse("health:ready"))

    assert status[SEARCH]["dead"] == 1 and status[SEARCH]["events_behind"] == 1
    assert status[DOCUMENTS]["events_behind"] == 0
    assert health.status_code == 200
    assert health.json()["status"] == "degraded"
    assert health.json()["projections"][SEARCH]["dead"] == 1
    assert product.pk


def test_health_is_ok_when_every_projection_caught_up(client, clean_stores):
    ProductFactory()

    body = client.get(reverse("health:ready")).json()

    assert body["status"] == "ok"
    assert all(entry["events_behind"] == 0 for entry in body["projections"].values())
    assert client.get(reverse("health:live")).json() == {"status": "ok"}


def test_redrive_from_the_command_and_from_the_admin(admin_client, clean_stores):
    product = ProductFactory(name="Brass lamp")
    clean_stores["search"].clear("products")
    # Make the deliveries look dead *and* the cursor unaware, as after a store outage.
    from apps.sync.models import ProjectionCursor

    ProjectionCursor.objects.filter(projection=SEARCH).update(version=0)
    Delivery.objects.filter(projection=SEARCH).update(status="dead", attempts=8)

    page = admin_client.get(reverse("admin:sync_delivery_changelist"))
    assert b"Projection lag" in page.content
    response = admin_client.post(
        reverse("admin:sync_delivery_changelist"),
        {"action": "redrive", "_selected_action": list(Delivery.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == 302
    assert Delivery.objects.get(projection=SEARCH).status == "done"
    assert clean_stores["search"].search("products", "brass").ids == [str(product.pk)]
    assert "0 deliveries queued again" in run("redrive")
