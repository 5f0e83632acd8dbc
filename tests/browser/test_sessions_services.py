"""In the services profile a shopper who signs in through the browser has a session in
Redis, and signing out removes it there."""
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import KEY_PREFIX
from django.core.cache import caches
from playwright.sync_api import expect

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
