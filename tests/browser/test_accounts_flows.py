"""Shopper accounts as a browser walks them, from the site's own header: sign up, sign in,
sign out (a POST form), a wrong password, and a password reset by email."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from tests.browser.steps import give_a_profile_with_an_avatar, header, sign_in_through_the_form

User = get_user_model()
PASSWORD = "a-long-Passphrase-42"


@pytest.fixture
def ada(transactional_db):
    return User.objects.create_user("ada", "ada@example.com", PASSWORD)


def test_a_new_shopper_signs_up_from_the_header_and_comes_back_to_the_search(phone):
    page = phone.page
    phone.open("/?q=lamp")
    phone.follow(header(phone).get_by_role("link", name="Sign in"))
    phone.follow(page.get_by_role("link", name="Create an account"))
    expect(page.locator("main").get_by_role("link", name="Sign in")).to_have_attribute(
        "href", "/accounts/login/?next=/%3Fq%3Dlamp")  # changing one's mind keeps the way back

    page.get_by_label("Username").fill("grace")
    page.get_by_label("Email").fill("grace@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    phone.follow(page.get_by_role("button", name="Create account"))

    assert phone.path == "/?q=lamp"
    expect(page.locator(".messages")).to_contain_text("Welcome! Your account is ready.")
    expect(header(phone).get_by_role("link", name="grace")).to_be_visible()
    assert User.objects.get(username="grace").email == "grace@example.com"


def test_a_sign_up_with_a_taken_email_says_so_and_creates_nobody(phone, ada):
    page = phone.page
    phone.open("/accounts/sign-up/")

    page.get_by_label("Username").fill("eve")
    page.get_by_label("Email").fill("ADA@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    phone.follow(page.get_by_role("button", name="Create account"))

    expect(page.locator(".has-error .error")).to_contain_text("An account with this email exists")
    assert not User.objects.filter(username="eve").exists()


def test_sign_in_from_the_header_then_sign_out_with_its_button(phone, ada):
    page = phone.page
    phone.open("/?q=lamp")
    phone.follow(header(phone).get_by_role("link", name="Sign in"))

    sign_in_through_the_form(phone, "ada", PASSWORD)
    assert phone.path == "/?q=lamp"
    expect(header(phone).get_by_role("link", name="ada")).to_be_visible()

    phone.follow(header(phone).get_by_role("button", name="Sign out"))
    expect(header(phone).get_by_role("link", name="Sign in")).to_be_visible()
    expect(header(phone).get_by_role("button", name="Sign out")).to_have_count(0)
    phone.open("/accounts/profile/")
    assert phone.path.startswith("/accounts/login/"), "the session is over: the profile asks to sign in"


def test_a_wrong_password_is_a_form_error_and_signs_nobody_in(phone, ada):
    phone.open("/accounts/login/")

    sign_in_through_the_form(phone, "ada", "not-the-password")

    assert phone.path == "/accounts/login/"
    expect(phone.page.locator(".error")).to_contain_text("enter a correct username and password")
    expect(header(phone).get_by_role("link", name="Sign in")).to_be_visible()


def test_a_forgotten_password_is_reset_through_the_emailed_link(phone, ada):
    page = phone.page
    phone.open("/accounts/login/")
    phone.follow(page.get_by_role("link", name="Forgot your password?"))

    page.get_by_label("Email").fill("ada@example.com")
    phone.follow(page.get_by_role("button", name="Send the link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")

    assert [message.to for message in mail.outbox] == [["ada@example.com"]]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    phone.open(link)  # the token is swapped for a session key: one redirect, to the form
    new_password = "another-long-Passphrase-7"
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password confirmation").fill(new_password)
    phone.follow(page.get_by_role("button", name="Save the password"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new password is saved")

    phone.follow(page.locator("main").get_by_role("link", name="Sign in"))
    sign_in_through_the_form(phone, "ada", new_password)
    expect(header(phone).get_by_role("link", name="ada")).to_be_visible()


def test_a_shopper_gives_a_display_name_bio_and_avatar_and_sees_the_picture(phone, ada):
    source = give_a_profile_with_an_avatar(phone, ada)

    ada.refresh_from_db()
    assert (ada.display_name, ada.bio) == ("Ada L.", "Counts things.")
    assert "avatars/" in source and ada.avatar.storage.exists(ada.avatar.name)


def test_too_many_wrong_passwords_lock_the_account_with_a_page_that_says_so(phone, ada):
    phone.open("/accounts/login/")
    for _ in range(4):
        sign_in_through_the_form(phone, "ada", "not-the-password")

    sign_in_through_the_form(phone, "ada", "not-the-password", status=429)

    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Too many attempts to sign in")
    expect(phone.page.locator("main")).to_contain_text("paused for about 15 minutes")
    expect(header(phone).get_by_role("link", name="Sign in")).to_be_visible()
    phone.follow(phone.page.get_by_role("link", name="Reset it by email"))
    assert phone.path == "/accounts/password_reset/"
