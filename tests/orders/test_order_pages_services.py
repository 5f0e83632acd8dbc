"""The orders' pages against PostgreSQL, Redis (sessions), cosmosdb-server (carts, order
documents) and Azurite (receipts, reached through a SAS link)."""
import pytest

from tests.orders.test_order_pages import *  # noqa: F401,F403 - the same behaviour, on the services stores
from tests.orders.test_order_pages import ada, bob, lamp, staff  # noqa: F401 - fixtures

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("local_services"), pytest.mark.django_db(transaction=True)]
