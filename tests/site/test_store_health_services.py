"""Store health against the real services: Cosmos DB (cosmosdb-server), Azurite, Redis."""
import pytest
from django.urls import reverse

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_every_store_of_the_services_profile_answers_the_health_check(client, local_services):
    body = client.get(reverse("health:ready")).json()

    backends = {alias: store["backend"] for alias, store in body["stores"].items()}
    assert backends == {"cache": "RedisCache", "documents": "CosmosDocumentStore", "files": "AzureStorage",
                        "graph": "SQLiteGraphStore", "search": "TantivySearchBackend"}
    assert all(store["status"] == "up" for store in body["stores"].values()), body["stores"]
