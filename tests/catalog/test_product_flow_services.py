"""The product flow in the services profile: PostgreSQL, RabbitMQ, a real Celery
worker process, cosmosdb-server for documents and tantivy for search."""
import pytest

from apps.stores.exceptions import NotFound
from tests.processes import eventually
from tests.factories import ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_projects_and_removes_a_product(start_worker, clean_stores):
    worker = start_worker()
    documents, search = clean_stores["documents"], clean_stores["search"]
    assert type(documents).__name__ == "CosmosDocumentStore"

    product = ProductFactory(name="Brass desk lamp")
    category, product_id = product.category.slug, str(product.pk)

    def projected():
        """the product document and search entry"""
        try:
            doc = documents.get("products", product_id, partition_key=category)
        except NotFound:
            return False
        return doc["name"] == "Brass desk lamp" and search.search("products", "brass").ids == [product_id]

    eventually(projected, timeout=30)

    product.delete()

    def removed():
        """the product leaving both stores"""
        try:
            documents.get("products", product_id, partition_key=category)
            return False
        except NotFound:
            return search.search("products", "brass").ids == []

    eventually(removed, timeout=30)
    assert worker.process.poll() is None, "the worker died"
