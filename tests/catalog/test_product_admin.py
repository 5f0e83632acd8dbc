"""Operators edit products in the admin; a bad form shows an error and writes nothing."""
import pytest
from django.urls import reverse

from apps.catalog.models import Product
from apps.sync.models import OutboxEvent
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True)


# The pictures inline's management form, with no picture.
NO_IMAGES = {"images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0", "images-MIN_NUM_FORMS": "0",
             "images-MAX_NUM_FORMS": "1000"}


def form_data(category, **overrides):
    data = {"sku": "LAMP-1", "name": "Brass desk lamp", "slug": "brass-desk-lamp", "description": "",
            "category": category.pk, "price": "49.00", "status": "active", **NO_IMAGES}
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
    assert not OutboxEvent.objects.filter(aggregatetype="catalog.product").exists()
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


def change(admin_client, product, **overrides):
    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    data = {**form_data(product.category, sku=product.sku, name=product.name, slug=product.slug),
            "expected_version": page.context["adminform"].form["expected_version"].value()}
    data.update(overrides)
    return data


def test_admin_refuses_to_overwrite_a_newer_version_and_says_so(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), form_data(category))
    product = Product.objects.get()
    opened = change(admin_client, product, name="My lamp")
    someone_else = Product.objects.get(pk=product.pk)
    someone_else.name = "Their lamp"
    someone_else.save()

    response = admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]), opened)

    assert response.status_code == 200
    assert "Someone else saved this product after you opened it" in response.content.decode()
    assert Product.objects.get(pk=product.pk).name == "Their lamp"
    assert admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]),
                             change(admin_client, product, name="My lamp")).status_code == 302
    assert Product.objects.get(pk=product.pk).version == 3


def test_admin_says_when_the_product_was_deleted_while_it_was_open(admin_client, clean_stores, monkeypatch):
    from django.contrib.admin.options import ModelAdmin

    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), form_data(category))
    product = Product.objects.get()
    opened = change(admin_client, product, name="My lamp")
    real_get_object = ModelAdmin.get_object

    def deleted_after_loading(self, request, object_id, from_field=None):
        loaded = real_get_object(self, request, object_id, from_field)
        Product.objects.filter(pk=object_id).delete()  # another operator's delete lands now
        return loaded

    monkeypatch.setattr(ModelAdmin, "get_object", deleted_after_loading)
    response = admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]), opened)

    assert response.status_code == 200
    assert "was deleted by someone else after you opened it" in response.content.decode()
    assert not Product.objects.filter(pk=product.pk).exists()
