"""The API's throttles against Redis: one counter per client and window, incremented
atomically, so concurrent requests of one client are all counted."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

RATES = {"anon": "10/minute", "user": "1000/minute", "basic_auth": "1000/minute", "suggest_anon": "1000/minute"}


@pytest.fixture
def anon_rate_of_ten(monkeypatch, local_services):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", RATES)
    cache.delete_many([f"throttle_{scope}_127.0.0.1" for scope in RATES])
    yield
    cache.delete_many([f"throttle_{scope}_127.0.0.1" for scope in RATES])


def categories(_):
    try:
        return Client().get("/api/categories/")
    finally:
        connection.close()  # each thread's own: the test database is dropped afterwards


def test_concurrent_requests_of_one_client_are_each_counted(anon_rate_of_ten, clean_stores):
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(categories, range(16)))

    codes = sorted(response.status_code for response in answers)
    assert codes == [200] * 10 + [429] * 6
    assert cache.get("throttle_anon_127.0.0.1") == 16, "one counter, stored as a number"
    refused = next(response for response in answers if response.status_code == 429)
    assert 0 < int(refused["Retry-After"]) <= 60


def test_a_list_of_times_left_by_drfs_own_throttle_starts_a_new_window(anon_rate_of_ten, clean_stores):
    cache.set("throttle_anon_127.0.0.1", [1.0, 2.0, 3.0], 60)

    answers = [Client().get("/api/categories/").status_code for _ in range(2)]

    assert answers == [200, 200]
    assert cache.get("throttle_anon_127.0.0.1") == 2
