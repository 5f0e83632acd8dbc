"""The orders API tests against PostgreSQL, cosmosdb-server and Azurite: the cart in Cosmos, the
receipt behind Azurite's SAS link, fetched with requests as a client would."""
import pytest
import requests

from tests.orders.test_orders_api import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.orders.test_orders_api import people  # noqa: F401 - fixtures

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("local_services"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def link_fetcher():
    """Azurite serves the SAS link itself: fetched as any client would, outside the site."""

    def fetch(url):
        assert url.startswith("http://127.0.0.1:10000/"), url
        answer = requests.get(url, timeout=10)
        return answer.status_code, answer.content

    return fetch
