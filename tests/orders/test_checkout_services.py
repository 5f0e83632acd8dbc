"""The checkout tests against PostgreSQL, cosmosdb-server and Azurite (the receipts'
private container)."""
import pytest

from tests.orders.test_checkout import *  # noqa: F401,F403 - the same behaviour, on the services stores

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("local_services"), pytest.mark.django_db(transaction=True)]
