"""Operators edit products in the admin; a bad form shows an error and writes nothing."""
import pytest
from django.urls import reverse

from apps.catalog.models import Product
from apps.sync.models import OutboxEvent
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


def form_data(category, **overrides):
    data = {"sku": "LAMP-1", "name": "Brass desk lamp", "slug": "brass-desk-lamp", "description": "",
            "category": category.pk, "price": "49.00", "status": "active"}
    data.update(overrides)
    return data


def test_admin_adds_a_product_that_is_projected(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")

    response = admin_client.post(reverse("admin:catalog_product_add"), form_data(category))

    assert response.status_code == 302
    product = Product.objects.get(sku="LAMP-1")
    assert clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")["name"] == "Brass desk lamp"
    assert clean_stores["search"].search("products", "brass").ids == [str(product.pk)]


def test_admin_shows_a_form_error_for_a_negative_price(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")

    response = admin_client.post(reverse("admin:catalog_product_add"), form_data(category, price="-3"))

    assert response.status_code == 200
    assert "price" in response.context["adminform"].form.errors
    assert not Product.objects.exists()
    assert not OutboxEvent.objects.exists()
    assert clean_stores["documents"].count("products") == 0


def test_admin_bulk_delete_removes_the_projections(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), form_data(category))
    product = Product.objects.get()

    response = admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "delete_selected", "_selected_action": [product.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert clean_stores["documents"].count("products") == 0
    assert clean_stores["search"].search("products", "brass").ids == []
