"""The product flow in the services profile: PostgreSQL, RabbitMQ, a real Celery
worker process, cosmosdb-server for documents and tantivy for search."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from apps.stores.exceptions import NotFound
from tests.factories import ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def celery_worker_process(local_services, transactional_db):
    """A real worker on the test database, consuming from RabbitMQ."""
    settings_dict = connection.settings_dict
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="polyglot_site.settings",
        POLYGLOT_PROFILE="services",
        DATABASE_URL=f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "polyglot_site", "worker", "--pool=solo", "--loglevel=info",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield worker
    worker.terminate()
    try:
        output, _ = worker.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        output, _ = worker.communicate()
    print(output[-5000:])


def eventually(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except NotFound:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s: {check.__doc__ or check}")
        time.sleep(0.2)


def test_a_real_worker_projects_and_removes_a_product(celery_worker_process, clean_stores):
    documents, search = clean_stores["documents"], clean_stores["search"]
    assert type(documents).__name__ == "CosmosDocumentStore"

    product = ProductFactory(name="Brass desk lamp")
    category, product_id = product.category.slug, str(product.pk)

    def projected():
        """the product document and search entry"""
        doc = documents.get("products", product_id, partition_key=category)
        return doc["name"] == "Brass desk lamp" and search.search("products", "brass").ids == [product_id]

    eventually(projected)

    product.delete()

    def removed():
        """the product leaving both stores"""
        try:
            documents.get("products", product_id, partition_key=category)
            return False
        except NotFound:
            return search.search("products", "brass").ids == []

    eventually(removed)
    assert celery_worker_process.poll() is None, "the worker died"
