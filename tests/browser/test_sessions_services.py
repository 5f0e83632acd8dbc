"""The services profile in a browser: a shopper's session lives in Redis until sign-out;
an avatar is stored in blob storage (Azurite) and shown through its signed link."""
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import KEY_PREFIX
from django.core.cache import caches
from playwright.sync_api import expect

from tests.browser.steps import give_a_profile_with_an_avatar

pytestmark = pytest.mark.services

PASSWORD = "a-long-Passphrase-42"


def session_cookie(tab):
    cookies = {cookie["name"]: cookie["value"] for cookie in tab.page.context.cookies()}
    return cookies.get(settings.SESSION_COOKIE_NAME)


def test_a_browser_sign_in_keeps_its_session_in_redis_until_sign_out(local_services, phone, transactional_db):
    get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)
    sessions = caches[settings.SESSION_CACHE_ALIAS]
    assert "RedisCache" in type(sessions).__name__
    page = phone.page
    phone.open("/accounts/login/")

    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    phone.follow(page.get_by_role("button", name="Sign in"))

    key = session_cookie(phone)
    assert sessions.get(KEY_PREFIX + key)["_auth_user_id"]
    phone.follow(page.locator("header.site-header").get_by_role("button", name="Sign out"))
    expect(page.locator("header.site-header").get_by_role("link", name="Sign in")).to_be_visible()
    assert sessions.get(KEY_PREFIX + key) is None


def test_an_avatar_goes_to_blob_storage_and_the_page_shows_it(local_services, phone, transactional_db):
    ada = get_user_model().objects.create_user("ada", "ada@example.com", PASSWORD)

    give_a_profile_with_an_avatar(phone, ada)

    ada.refresh_from_db()
    assert settings.STORAGES["default"]["BACKEND"].endswith("AzureStorage")
    assert ada.avatar.storage.exists(ada.avatar.name), "the picture is in blob storage (Azurite)"
