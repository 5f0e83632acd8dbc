"""seed_demo: the demo shop's products (8 categories, pictures drawn with Pillow, no network),
their attributes, stock and reviews in the document store, its shoppers, a progress bar on
stderr, safe to run again, and quick enough for `make run`."""
import io
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from PIL import Image

from apps.catalog import demo
from apps.catalog.attributes import check_schema, validate_attributes
from apps.catalog.models import Category, Product, ProductImage
from apps.catalog.reviews import RATINGS
from tests.catalog.document_records import deliver_pending, search_entry
from tests.pictures import remove_all, stored_names

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def empty_picture_storage():
    remove_all(storages["images"], "products/")
    yield
    remove_all(storages["images"], "products/")


def test_the_default_demo_is_about_200_distinct_products_in_8_categories():
    products = list(demo.demo_products(demo.DEFAULT_PRODUCTS))

    assert len(products) == 200 and demo.DEFAULT_SHOPPERS == 50
    assert len({p.category for p in products}) == 8 == len(demo.CATALOGUE)
    assert len({p.sku for p in products}) == 200 and len({p.name for p in products}) == 200
    assert products[0].name == "Brass desk lamp"
    assert len({p.name for p in demo.demo_products(100_000)}) == 100_000, "a benchmark catalogue has no twins"


def test_seed_demo_makes_products_with_pictures_in_every_category_and_shoppers(clean_stores):
    call_command("seed_demo", products=42, shoppers=5, verbosity=0)

    assert Product.objects.count() == 42
    assert Category.objects.count() == 8
    assert set(Product.objects.values_list("category__slug", flat=True)) == set(Category.objects.values_list(
        "slug", flat=True))
    assert ProductImage.objects.count() == 84, "two pictures each"
    generated = Product.objects.get(sku="DEMO-000002")
    [picture, _] = generated.images.all()
    with storages["images"].open(picture.image.name) as file:
        drawn = Image.open(io.BytesIO(file.read()))
    assert (drawn.format, drawn.size) == ("JPEG", (demo.PICTURE_SIZE, demo.PICTURE_SIZE))
    assert len(stored_names(storages["images"], f"products/{generated.pk}/")) == 6
    document = clean_stores["documents"].get("products", str(generated.pk), partition_key=generated.category.slug)
    assert [image["small"] for image in document["images"]] == [p["small"] for p in generated.pictures()]
    shoppers = get_user_model().objects.filter(username__startswith="shopper")
    assert shoppers.count() == 5 and not any(user.has_usable_password() for user in shoppers)


def test_seed_demo_gives_products_attributes_stock_and_reviews_through_the_real_services(clean_stores):
    call_command("seed_demo", products=40, shoppers=6, verbosity=0)
    deliver_pending()  # the services profile runs no worker beside the tests

    shoppers = {str(pk) for pk in get_user_model().objects.filter(username__startswith="shopper").values_list(
        "pk", flat=True)}
    products = list(Product.objects.select_related("category").order_by("sku"))
    for category in Category.objects.all():
        check_schema(category.attribute_schema)
        assert category.attribute_schema["properties"], f"{category} declares attributes"
    quantities, review_counts = [], []
    for product in products:
        attributes = product.attributes
        assert attributes and validate_attributes(product.category.attribute_schema, attributes) == attributes
        quantities.append(product.stock.quantity)
        reviews = list(product.reviews)
        review_counts.append(len(reviews))
        assert all(r.rating in RATINGS and r.author_id in shoppers for r in reviews)
        assert len({r.author_id for r in reviews}) == len(reviews) <= demo.MAX_REVIEWS
        entry = search_entry(clean_stores, product)
        assert (entry["in_stock"], entry["review_count"], entry.get("rating")) == (
            product.in_stock, len(reviews), product.rating)
    assert 0 in quantities and any(quantities), "some products are sold out, most are not"
    assert 0 in review_counts and any(review_counts), "some products have no reviews yet"
    assert len({r.rating for p in products for r in p.reviews}) >= 3, "a spread of stars"


def test_a_large_catalogue_gives_only_the_first_products_attributes_and_reviews(clean_stores, monkeypatch):
    monkeypatch.setattr(demo, "DOCUMENT_PARTS_LIMIT", 2)
    monkeypatch.setattr(demo, "NO_REVIEWS_ONE_IN", 10**9)  # so the first two surely have reviews

    call_command("seed_demo", products=4, shoppers=3, pictures=False, verbosity=0)
    deliver_pending()

    products = list(Product.objects.select_related("category").order_by("sku"))
    assert [bool(p.attributes) for p in products] == [True, True, False, False]
    assert [p.review_count > 0 for p in products] == [True, True, False, False]
    assert all(p.stock is not None for p in products), "every product keeps its stock"


def test_the_demo_attributes_fit_every_demo_schema():
    import random

    rng = random.Random(1)
    for name, schema in demo.ATTRIBUTE_SCHEMAS.items():
        check_schema(schema)
        for _ in range(20):
            attributes = demo.demo_attributes(schema, rng)
            assert set(attributes) == set(schema["properties"]), name
            assert validate_attributes(schema, attributes) == attributes


def test_seed_demo_again_adds_only_what_is_missing(clean_stores):
    call_command("seed_demo", products=3, shoppers=2, verbosity=0)
    versions = dict(Product.objects.values_list("sku", "version"))

    call_command("seed_demo", products=5, shoppers=3, verbosity=0)

    assert Product.objects.count() == 5 and ProductImage.objects.count() == 10
    assert {sku: v for sku, v in Product.objects.values_list("sku", "version") if sku in versions} == versions
    assert get_user_model().objects.filter(username__startswith="shopper").count() == 3


def test_a_large_catalogue_takes_its_pictures_from_a_pool(clean_stores, monkeypatch):
    monkeypatch.setattr(demo, "DRAWN_PICTURES_LIMIT", 4)

    call_command("seed_demo", products=6, shoppers=0, verbosity=0)

    assert ProductImage.objects.count() == 6, "one picture each"
    source = demo.PictureSource(100_000)
    item = next(demo.demo_products(1))
    assert source.pictures_for(item, 3)[0] is source.pictures_for(item, 3 + demo.POOL_PER_CATEGORY)[0]


def test_seed_demo_without_pictures(clean_stores):
    call_command("seed_demo", products=4, shoppers=0, pictures=False, verbosity=0)

    assert Product.objects.count() == 4 and not ProductImage.objects.exists()


def test_the_progress_bar_goes_to_stderr(clean_stores, capsys):
    stdout = io.StringIO()

    call_command("seed_demo", products=2, shoppers=0, pictures=False, stdout=stdout)

    captured = capsys.readouterr()
    assert "Demo products" in captured.err and "2/2" in captured.err
    assert "2 products added" in stdout.getvalue() and "Demo products" not in stdout.getvalue()


def test_every_new_product_reaches_the_document_store_hooks(clean_stores, monkeypatch):
    seen = []
    for hook in ("seed_attributes", "seed_stock"):
        monkeypatch.setattr(demo, hook, lambda product, rng, hook=hook: seen.append((hook, product.sku)))
    monkeypatch.setattr(demo, "seed_reviews", lambda product, shoppers, rng: seen.append(
        ("seed_reviews", product.sku, len(shoppers))))

    call_command("seed_demo", products=2, shoppers=3, pictures=False, verbosity=0)
    call_command("seed_demo", products=2, shoppers=3, pictures=False, verbosity=0)

    assert seen == [("seed_attributes", "HOME-001"), ("seed_stock", "HOME-001"), ("seed_reviews", "HOME-001", 3),
                    ("seed_attributes", "HOME-002"), ("seed_stock", "HOME-002"), ("seed_reviews", "HOME-002", 3)]


def test_a_negative_count_is_refused():
    with pytest.raises(CommandError, match="0 or more"):
        call_command("seed_demo", products=-1, verbosity=0)


@pytest.mark.slow
def test_the_default_demo_is_made_in_under_a_minute(clean_stores):
    started = time.monotonic()

    call_command("seed_demo", verbosity=0)

    assert time.monotonic() - started < 60
    assert Product.objects.count() == 200 and ProductImage.objects.count() == 400
    assert get_user_model().objects.filter(username__startswith="shopper").count() == 50
    assert clean_stores["documents"].count("stock") == 200
    assert clean_stores["documents"].count("reviews") > 200, "a few reviews per product"
