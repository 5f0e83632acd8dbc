"""Several writer processes share products through the API while the Celery worker is
killed twice: every store ends in agreement with SQL, compared by content, and no
acknowledged delete comes back."""
import json
import os
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from apps.catalog.models import Product
from apps.sync import maintenance
from apps.sync.models import Delivery, OutboxEvent
from apps.sync.projectors import registry
from tests.factories import CategoryFactory, ProductFactory
from tests.processes import ROOT, eventually
from tests.sync.test_faults_services import QUICK_SYNC

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WRITERS, SECONDS = 4, 9


def start_writer(seed, ids, categories, out, env):
    command = [sys.executable, "-m", "tests.sync.api_writer", "--user", "editor", "--ids", ",".join(map(str, ids)),
               "--categories", ",".join(categories), "--seconds", str(SECONDS), "--seed", str(seed), "--out", str(out)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def writer_env():
    db = connection.settings_dict
    # The four writers sign in as one user: at the shipped rate (1,200 a minute) a quick
    # machine's writers are throttled, and a 429 is not the race this test is about.
    return dict(os.environ, DJANGO_SETTINGS_MODULE="polyglot_site.settings", POLYGLOT_PROFILE="services",
                DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                API_RATE_SIGNED_IN="1000000/minute",
                **{key: str(value) for key, value in QUICK_SYNC.items()})


def test_writers_sharing_products_with_the_worker_killed_twice_end_in_agreement(
    start_worker, clean_stores, django_user_model, tmp_path
):
    editor = django_user_model.objects.create_user("editor", password="unused")
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_product", "delete_product", "view_product"])
    )
    categories = [CategoryFactory(name=name).slug for name in ("Lamps", "Desks", "Chairs")]
    products = [ProductFactory(category=CategoryFactory(name="Lamps")) for _ in range(10)]
    ids = [p.pk for p in products]

    worker = start_worker(**QUICK_SYNC)
    outputs = [tmp_path / f"writer-{n}.json" for n in range(WRITERS)]
    writers = [start_writer(n, ids, categories, out, writer_env()) for n, out in enumerate(outputs)]
    for _kill in range(2):
        time.sleep(SECONDS / 3)
        worker.kill()  # kill -9 while deliveries are in flight
        worker = start_worker(**QUICK_SYNC)
    for writer in writers:
        output, _ = writer.communicate(timeout=120)
        assert writer.returncode == 0, output[-3000:]
    start_worker(beat=True, **QUICK_SYNC)

    answers = [answer for out in outputs for answer in json.loads(out.read_text())]
    statuses = Counter(answer["status"] for answer in answers)
    assert not [s for s in statuses if s >= 500], f"server errors: {statuses}"
    assert set(statuses) <= {200, 204, 404, 412}, statuses
    print(f"answers: {dict(statuses)}")
    assert statuses[200] > 50 and statuses[204] >= 1, f"the writers raced: {statuses}"

    eventually(lambda: not Delivery.objects.exclude(status="done").exists(), timeout=180, interval=0.5,
               message="every delivery done")

    acknowledged_deletes = {a["id"] for a in answers if a["status"] == 204}
    assert not Product.objects.filter(pk__in=acknowledged_deletes).exists(), "a delete answered 204 came back"
    for pk in ids:
        versions = list(OutboxEvent.objects.filter(aggregatetype="catalog.product", aggregateid=str(pk))
                        .order_by("sequence").values_list("version", flat=True))
        assert len(versions) == len(set(versions)), f"product {pk} repeated a version: {versions}"
    acknowledged = [a for a in answers if a["status"] == 200 and a["version"] is not None]
    assert len({(a["id"], a["version"]) for a in acknowledged}) == len(acknowledged), "two writes answered one version"

    for name in ("catalog.product.document", "catalog.product.search"):
        drift = maintenance.reconcile(registry.get(name))
        assert drift.clean, f"{name}: {drift.summary()}"
    remaining = {str(p.pk): p for p in Product.objects.select_related("category").filter(pk__in=ids)}
    documents = list(clean_stores["documents"].scan("products"))
    assert sorted(d["id"] for d in documents) == sorted(remaining), "one document per remaining product"
    for document in documents:
        product = remaining[document["id"]]
        assert (document["name"], document["price"], document["category"], document["version"]) == (
            product.name, str(product.price), product.category.slug, product.version
        )
    hits = {hit.id: hit.document for hit in clean_stores["search"].search("products", "", page_size=100).hits}
    assert sorted(hits) == sorted(remaining)
    for pk, entry in hits.items():
        product = remaining[pk]
        assert (entry["name"], entry["price"], entry["category"], entry["version"]) == (
            product.name, float(product.price), product.category.slug, product.version
        )
