"""Reviews as a shopper on a phone writes them from the product page: four stars and a few
words, listed with the rating summary; a second review of the same product refused with a
message; a visitor who is not signed in is invited to sign in and comes back to the product."""
import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.catalog.reviews import Review
from tests.browser.steps import header, sign_in_through_the_form
from tests.factories import ProductFactory

PASSWORD = "a-long-Passphrase-42"


@pytest.fixture
def lamp(clean_stores):
    return ProductFactory(name="Brass lamp", price="49.00")


@pytest.fixture
def ada(transactional_db):
    return get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)


def write_a_review(tab, stars, text):
    """On a product page: pick the stars, type the review, press Publish review."""
    form = tab.page.locator("form.review-form")
    form.get_by_label(f"{stars} ★", exact=True).check()
    form.get_by_label("Your review").fill(text)
    return tab.follow(form.get_by_role("button", name="Publish review"))


def test_a_shopper_writes_a_four_star_review_and_a_second_one_is_refused(phone, lamp, ada):
    page = phone.page
    phone.sign_in_as(ada)
    phone.open(lamp.get_absolute_url())
    expect(page.locator("#reviews")).to_contain_text("No reviews yet.")

    write_a_review(phone, 4, "Warm light and a heavy base that does not tip.")

    assert phone.path == lamp.get_absolute_url()
    expect(page.locator(".messages")).to_contain_text("Thank you: your review is published.")
    expect(page.locator(".rating-summary")).to_have_text("4.0 out of 5 · 1 review")
    review = page.locator(".review-list .review")
    expect(review).to_have_count(1)
    expect(review.get_by_label("4 out of 5")).to_have_text("★★★★☆")
    expect(review).to_contain_text("ada")
    expect(review).to_contain_text("Warm light and a heavy base that does not tip.")

    write_a_review(phone, 1, "Changed my mind.")

    expect(page.locator(".messages li.error")).to_have_text("You have reviewed this product already.")
    expect(page.locator(".rating-summary")).to_have_text("4.0 out of 5 · 1 review")
    expect(page.locator("#reviews")).not_to_contain_text("Changed my mind.")
    kept = Review.objects.get(product=lamp, author=ada)
    assert (kept.rating, kept.text) == (4, "Warm light and a heavy base that does not tip.")


def test_a_visitor_is_asked_to_sign_in_and_comes_back_to_the_product_to_review_it(phone, lamp, ada):
    page = phone.page
    phone.open(lamp.get_absolute_url())

    reviews = page.locator("#reviews")
    expect(reviews).to_contain_text("Sign in to write a review.")
    expect(reviews.locator("form.review-form")).to_have_count(0)
    invitation = reviews.get_by_role("link", name="Sign in")
    expect(invitation).to_have_attribute("href", f"/accounts/login/?next={lamp.get_absolute_url()}")

    phone.follow(invitation)
    sign_in_through_the_form(phone, "ada", PASSWORD)

    assert phone.path == lamp.get_absolute_url()
    expect(header(phone).get_by_role("link", name="ada")).to_be_visible()
    expect(page.locator("form.review-form").get_by_role("button", name="Publish review")).to_be_visible()
