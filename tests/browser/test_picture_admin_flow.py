"""An operator at 1280 px adds a picture to a product through the product admin's picture
inline; the admin shows its thumbnail, and the product page, seen before without a picture
(and so cached without one), shows it on the next view."""
import io

import pytest
from django.contrib.auth import get_user_model
from PIL import Image
from playwright.sync_api import expect

from apps.catalog.models import ProductImage
from tests.browser.steps import image_width_shown, png_file
from tests.factories import ProductFactory


@pytest.fixture
def olga(transactional_db):
    return get_user_model().objects.create_superuser("olga", "olga@example.com", "a-long-Passphrase-42")


def test_an_operator_uploads_a_picture_in_the_admin_and_the_product_page_shows_it(
        operator, olga, clean_stores):
    lamp = ProductFactory(name="Brass lamp")
    operator.sign_in_as(olga)
    page = operator.page
    operator.open(lamp.get_absolute_url())
    expect(page.locator(".gallery")).to_have_count(0)

    operator.open(f"/admin/catalog/product/{lamp.pk}/change/")
    page.locator("#id_images-0-image").set_input_files(files=[png_file("lamp.png", size=(640, 480))])
    page.locator("#id_images-0-alt_text").fill("The brass lamp, lit")
    operator.follow(page.get_by_role("button", name="Save and continue editing"))

    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    preview = page.locator("#images-0 .field-preview img")
    expect(preview).to_be_visible()
    assert image_width_shown(preview) == 120, "the small thumbnail is made and served"
    stored = ProductImage.objects.get(product=lamp)
    assert (stored.width, stored.height, stored.alt_text) == (640, 480, "The brass lamp, lit")

    operator.open(lamp.get_absolute_url())
    picture = page.locator(".gallery-main").get_by_role("img", name="The brass lamp, lit")
    expect(picture).to_be_visible()
    assert image_width_shown(picture) == 400, "the large thumbnail, not the 640 px original"
    # The picture links to its original (fetched, not opened: a bare image has no page to check).
    original = page.request.get(page.locator(".gallery-main").get_attribute("href"))
    assert original.ok and original.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(original.body())).size == (640, 480)
