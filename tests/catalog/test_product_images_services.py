"""Product pictures on the services: uploaded in the admin to Azurite, their URLs in the
product document in cosmosdb-server, fetched back by those URLs (a redirect to a signed
link on the blob endpoint, which the Content-Security-Policy allows)."""
import urllib.request

import pytest
from django.core.files.storage import storages
from django.urls import reverse

from apps.catalog.models import Product, ProductImage
from apps.sync.relay import drain
from tests.catalog.test_product_images import product_form
from tests.factories import CategoryFactory
from tests.pictures import picture, remove_all, stored_names, upload

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def picture_container(local_services):
    from django.core.management import call_command

    call_command("stores", "init", verbosity=0)  # creates the storages' blob containers, as deployments do
    remove_all(storages["images"], "products/")
    yield
    remove_all(storages["images"], "products/")


def fetched_through_redirect(client, url):
    response = client.get(url)
    assert response.status_code == 302, url
    signed = response["Location"]
    assert signed.startswith("http://127.0.0.1:10000/devstoreaccount1/images/") and "sig=" in signed
    with urllib.request.urlopen(signed, timeout=10) as blob:
        return blob.read(), blob.headers["Content-Type"]


def test_a_picture_uploaded_to_azurite_is_fetched_back_by_the_url_in_the_document(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    original = picture((900, 900), "JPEG")

    response = admin_client.post(reverse("admin:catalog_product_add"), product_form(
        category, (upload("lamp.jpg", original, "image/jpeg"), "The lamp, lit")))
    drain()

    assert response.status_code == 302
    product = Product.objects.get()
    [name] = [image.image.name for image in product.images.all()]
    assert len(stored_names(storages["images"], f"products/{product.pk}/")) == 3
    [entry] = clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")["images"]
    assert entry["url"] == f"/images/{name}" and entry["alt"] == "The lamp, lit"
    assert fetched_through_redirect(admin_client, entry["url"])[0] == original
    thumbnail, content_type = fetched_through_redirect(admin_client, entry["small"])
    assert content_type == "image/webp" and thumbnail[:4] == b"RIFF"


def test_a_file_that_is_not_a_picture_writes_nothing_to_azurite(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")

    response = admin_client.post(reverse("admin:catalog_product_add"), product_form(
        category, (upload("notes.png", b"not a picture"), "Notes")))

    assert response.status_code == 200
    assert not Product.objects.exists() and not ProductImage.objects.exists()
    assert stored_names(storages["images"], "products/") == []


def test_pages_may_show_pictures_from_the_blob_endpoint(client):
    policy = client.get(reverse("catalog:product-list"))["Content-Security-Policy"]

    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert "http://127.0.0.1:10000" in img_src
