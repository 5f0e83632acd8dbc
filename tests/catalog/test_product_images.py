"""Product pictures: uploaded in the admin, kept in the images storage with their thumbnails,
their URLs in the product document and on the pages; a file that is not a picture, or is
too big, is a form error and writes nothing anywhere."""
import io

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from PIL import Image

from apps.catalog.models import Product, ProductImage
from apps.catalog.pictures import blob_names
from apps.sync.models import OutboxEvent
from tests.catalog.test_product_admin import NO_IMAGES
from tests.factories import CategoryFactory, ProductFactory
from tests.pictures import picture, remove_all, stored_names, upload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_picture_storage():
    remove_all(storages["images"], "products/")
    yield
    remove_all(storages["images"], "products/")


def product_form(category, *pictures, **overrides):
    data = {"sku": "LAMP-1", "name": "Brass desk lamp", "slug": "brass-desk-lamp", "description": "",
            "category": category.pk, "price": "49.00", "status": "active", **NO_IMAGES,
            "images-TOTAL_FORMS": str(len(pictures))}
    for number, (file, alt) in enumerate(pictures):
        data.update({f"images-{number}-image": file, f"images-{number}-alt_text": alt,
                     f"images-{number}-position": str(number)})
    data.update(overrides)
    return data


def image_errors(response):
    return [error for form_errors in response.context["inline_admin_formsets"][0].formset.errors
            for errors in form_errors.values() for error in errors]


def served(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return b"".join(response.streaming_content), response["Content-Type"]


def test_an_operator_uploads_pictures_that_get_thumbnails_and_reach_the_product_document(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    original = picture((1200, 800), "JPEG")

    response = admin_client.post(reverse("admin:catalog_product_add"), product_form(
        category, (upload("lamp.jpg", original, "image/jpeg"), "The lamp, lit"), (upload("side.png"), "From the side"),
    ))

    assert response.status_code == 302
    product = Product.objects.get(sku="LAMP-1")
    first, second = product.images.all()
    assert (first.alt_text, first.width, first.height) == ("The lamp, lit", 1200, 800)
    assert first.image.name.startswith(f"products/{product.pk}/") and first.image.name.endswith(".jpg")
    assert len(stored_names(storages["images"], f"products/{product.pk}/")) == 6, "two originals, four thumbnails"

    document = clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")
    assert [image["alt"] for image in document["images"]] == ["The lamp, lit", "From the side"]
    entry = document["images"][0]
    assert entry["url"] == f"/images/{first.image.name}"
    assert served(admin_client, entry["url"]) == (original, "image/jpeg")
    large, large_type = served(admin_client, entry["large"])
    small, _ = served(admin_client, entry["small"])
    assert large_type == "image/webp"
    assert Image.open(io.BytesIO(large)).size == (400, 267)
    assert Image.open(io.BytesIO(small)).size == (120, 80)
    # A picture carries no Content-Security-Policy (it would only break the browser's picture
    # viewer); the pages do.
    assert "Content-Security-Policy" not in admin_client.get(entry["url"]).headers
    assert "Content-Security-Policy" in admin_client.get(product.get_absolute_url()).headers


@pytest.mark.parametrize("file, message", [
    (upload("notes.png", b"just some words, not a picture"), "Upload a valid image"),
    # Pillow's verify() passes a JPEG cut in half; decoding it does not.
    (upload("cut.jpg", picture(format="JPEG")[:1500], "image/jpeg"), "not a picture"),
    (upload("huge.png", picture() + b"\0" * (5 * 1024 * 1024)), "larger than 5 MB"),
], ids=["not-an-image", "truncated", "over-5-MB"])
def test_a_bad_picture_is_a_form_error_and_nothing_is_written(admin_client, clean_stores, file, message):
    category = CategoryFactory(name="Lamps")
    product = ProductFactory(category=category, sku="LAMP-1", name="Brass desk lamp")
    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    events_before = OutboxEvent.objects.count()

    response = admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]), product_form(
        category, (file, "A picture"), slug=product.slug,
        expected_version=page.context["adminform"].form["expected_version"].value(),
    ))

    assert response.status_code == 200
    assert any(message in error for error in image_errors(response)), image_errors(response)
    assert not ProductImage.objects.exists()
    assert stored_names(storages["images"], "products/") == []
    assert OutboxEvent.objects.count() == events_before
    assert Product.objects.get(pk=product.pk).version == product.version


def test_an_upload_over_the_request_limit_is_refused_before_it_is_read(admin_client, clean_stores, settings):
    category = CategoryFactory(name="Lamps")
    settings.MAX_UPLOAD_BYTES = 100_000

    response = admin_client.post(reverse("admin:catalog_product_add"), product_form(
        category, (upload("huge.png", picture() + b"\0" * 200_000), "Too big"),
    ))

    assert response.status_code == 400
    assert not Product.objects.exists() and not ProductImage.objects.exists()
    assert stored_names(storages["images"], "products/") == []


def test_a_deleted_picture_leaves_the_document_and_the_storage(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), product_form(category, (upload(), "Lamp")))
    product = Product.objects.get()
    image = product.images.get()

    image.delete()

    assert stored_names(storages["images"], "products/") == []
    document = clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")
    assert document["images"] == []
    assert admin_client.get(f"/images/{image.image.name}").status_code == 404


def test_a_rebuilt_document_has_the_same_picture_urls(admin_client, clean_stores):
    from apps.catalog.projections import ProductDocumentProjector
    from apps.sync.homes import SQLHome

    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), product_form(category, (upload(), "Lamp")))
    product = Product.objects.get()
    [state] = SQLHome(Product).states(Product.outbox_aggregate_type)

    rebuilt = ProductDocumentProjector().fields(state)

    assert rebuilt["images"] == product.pictures()
    stored = clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")
    assert stored["images"] == rebuilt["images"]


def test_the_product_page_and_the_list_show_the_pictures(client, admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), product_form(
        category, (upload(), "The lamp, lit"), (upload("b.png"), "From the side")))
    product = Product.objects.get()
    [first, second] = product.pictures()

    page = client.get(product.get_absolute_url()).content.decode()
    listing = client.get(reverse("catalog:product-list")).content.decode()

    assert f'src="{first["large"]}" alt="The lamp, lit"' in page
    assert f'src="{second["small"]}" alt="From the side"' in page
    assert f'class="thumb" src="{first["large"]}" alt="The lamp, lit"' in listing


def test_a_product_without_pictures_shows_a_plain_tile(client, clean_stores):
    ProductFactory(name="Plain thing")

    listing = client.get(reverse("catalog:product-list")).content.decode()

    assert "thumb-empty" in listing and 'class="gallery"' not in listing


@pytest.mark.parametrize("path", [
    "/images/receipts/2026/order-1.pdf", "/images/products/../secret_key", "/images/products/1/x.html",
    "/images/products/1/missing.webp", "/images/avatars//etc/passwd.png",
])
def test_the_image_view_serves_pictures_only(client, path):
    assert client.get(path).status_code == 404


def test_blobs_written_for_a_row_that_cannot_be_saved_are_removed(clean_stores):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.sync.exceptions import RecordGone

    product = ProductFactory()
    image = ProductImage(product=product, alt_text="Lamp", image=SimpleUploadedFile("lamp.png", picture()))
    Product.objects.filter(pk=product.pk).delete()  # another operator deleted the product meanwhile

    with pytest.raises(RecordGone):
        image.save()

    assert stored_names(storages["images"], "products/") == []
    assert not ProductImage.objects.exists()


def change_form(admin_client, product, **overrides):
    """The product's change form as the admin shows it, with its pictures' inline rows."""
    page = admin_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    images = list(product.images.all())
    data = product_form(product.category, slug=product.slug, sku=product.sku, name=product.name,
                        expected_version=page.context["adminform"].form["expected_version"].value(),
                        **{"images-TOTAL_FORMS": str(len(images)), "images-INITIAL_FORMS": str(len(images))})
    for number, image in enumerate(images):
        data.update({f"images-{number}-id": str(image.pk), f"images-{number}-product": str(product.pk),
                     f"images-{number}-alt_text": image.alt_text, f"images-{number}-position": str(image.position)})
    data.update(overrides)
    return data


def test_an_operator_replaces_and_then_removes_a_picture_in_the_admin(admin_client, clean_stores):
    category = CategoryFactory(name="Lamps")
    admin_client.post(reverse("admin:catalog_product_add"), product_form(category, (upload(), "Old")))
    product = Product.objects.get()
    old_name = product.images.get().image.name
    url = reverse("admin:catalog_product_change", args=[product.pk])

    replaced = admin_client.post(url, change_form(admin_client, product, **{
        "images-0-image": upload("new.gif", picture(format="GIF"), "image/gif"), "images-0-alt_text": "New"}))

    assert replaced.status_code == 302
    image = product.images.get()
    assert image.image.name != old_name and image.image.name.endswith(".gif") and image.alt_text == "New"
    assert stored_names(storages["images"], "products/") == sorted(blob_names(image.image.name))
    document = clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")
    assert [entry["alt"] for entry in document["images"]] == ["New"]

    removed = admin_client.post(url, change_form(admin_client, product, **{"images-0-DELETE": "on"}))

    assert removed.status_code == 302
    assert not ProductImage.objects.exists()
    assert stored_names(storages["images"], "products/") == []
    assert clean_stores["documents"].get("products", str(product.pk), partition_key="lamps")["images"] == []


def test_a_rebuild_reads_the_pictures_of_many_products_in_one_query(clean_stores, django_assert_max_num_queries):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.sync.homes import SQLHome

    for number in range(4):
        ProductImage(product=ProductFactory(), image=SimpleUploadedFile(f"{number}.png", picture((40, 40)))).save()

    with django_assert_max_num_queries(3):  # the products, their categories, their images
        states = list(SQLHome(Product).states(Product.outbox_aggregate_type))

    assert [len(state.payload["images"]) for state in states] == [1, 1, 1, 1]


def test_thumbnails_of_a_photo_taken_sideways_are_upright():
    from django.core.files.base import ContentFile

    from apps.stores.images import prepare_image

    photo = Image.new("RGB", (300, 100), (10, 120, 200))
    exif = photo.getexif()
    exif[0x0112] = 6  # Orientation: turn 90° clockwise to show
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", exif=exif)

    prepared = prepare_image(ContentFile(buffer.getvalue(), name="photo.jpg"), [120])

    assert Image.open(io.BytesIO(prepared.thumbnails[120])).size == (40, 120)
