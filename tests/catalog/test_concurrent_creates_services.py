"""Four clients create a product with one SKU at the same moment (PostgreSQL): one 201,
three 400s naming the SKU, never a 500; concurrent creates with one name get distinct slugs."""
import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connections
from django.test import Client

from apps.catalog.models import Product
from tests.factories import CategoryFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def post_at_once(user, bodies):
    barrier, answers = threading.Barrier(len(bodies)), [None] * len(bodies)

    def post(n):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait()
            answers[n] = client.post("/api/products/", bodies[n], content_type="application/json")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="unused")
    user.user_permissions.add(*Permission.objects.filter(codename="add_product"))
    CategoryFactory(name="Lamps")
    return user


def test_concurrent_creates_with_one_sku_give_one_201_and_400s(editor, clean_stores):
    body = {"sku": "RACE-1", "name": "Race lamp", "category": "lamps", "price": "5"}

    answers = post_at_once(editor, [{**body, "name": f"Race lamp {n}"} for n in range(4)])

    assert sorted(a.status_code for a in answers) == [201, 400, 400, 400]
    assert all("sku" in a.json() for a in answers if a.status_code == 400)
    assert Product.objects.filter(sku="RACE-1").count() == 1


def test_concurrent_creates_with_one_name_get_distinct_slugs(editor, clean_stores):
    answers = post_at_once(editor, [{"sku": f"SLUG-{n}", "name": "Same name", "category": "lamps", "price": "5"}
                                    for n in range(4)])

    assert [a.status_code for a in answers] == [201] * 4, [a.content for a in answers]
    assert len(set(Product.objects.values_list("slug", flat=True))) == 4
