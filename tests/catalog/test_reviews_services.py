"""The review tests against cosmosdb-server and PostgreSQL, plus two clients racing to
review one product as one user: one review, one event, never a 500."""
import threading

import pytest
from django.db import connections
from django.test import Client

from apps.catalog.reviews import Review
from apps.sync.models import OutboxEvent
from tests.catalog.test_reviews import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.catalog.test_reviews import another, shopper  # noqa: F401 - fixtures
from tests.factories import ProductFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_document_store_is_cosmos(clean_stores):
    assert type(clean_stores["documents"]).__name__ == "CosmosDocumentStore"


def test_two_concurrent_reviews_by_one_user_leave_one(clean_stores, shopper, local_services):
    lamp = ProductFactory()
    url = f"/api/products/{lamp.pk}/reviews/"
    barrier, answers = threading.Barrier(4), [None] * 4

    def post(n):
        client = Client()
        client.force_login(shopper)
        try:
            barrier.wait()
            answers[n] = client.post(url, {"rating": n + 1, "text": f"take {n}"}, content_type="application/json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert Review.objects.filter(product=lamp).count() == 1
    assert OutboxEvent.objects.filter(aggregatetype="catalog.review").count() == 1
